package io.ovsfabric.agent.docker.fabric;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ovsfabric.agent.docker.MacAddress;
import io.ovsfabric.agent.docker.PluginException;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.proto.v1.AdminServiceGrpc;
import io.ovsfabric.proto.v1.AllocateAddressRequest;
import io.ovsfabric.proto.v1.AllocateAddressResponse;
import io.ovsfabric.proto.v1.CreateNetworkRequest;
import io.ovsfabric.proto.v1.DeleteNetworkRequest;
import io.ovsfabric.proto.v1.Endpoint;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import io.ovsfabric.proto.v1.ListEndpointsRequest;
import io.ovsfabric.proto.v1.ListNetworksRequest;
import io.ovsfabric.proto.v1.Network;
import io.ovsfabric.proto.v1.ReleaseAddressRequest;
import io.ovsfabric.proto.v1.DockerEndpoint;
import io.ovsfabric.proto.v1.EndpointPort;
import io.ovsfabric.proto.v1.PluginAddress;
import io.ovsfabric.proto.v1.ReportEndpointsRequest;
import io.ovsfabric.proto.v1.UpdateEndpointRequest;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@link FabricNetworks} over the controller's FabricService (addresses) and AdminService (networks).
 * Proto types stay in this class; gRPC status codes become {@link PluginException} kinds.
 */
public final class GrpcFabricNetworks implements FabricNetworks {
    private final FabricServiceGrpc.FabricServiceBlockingStub fabric;
    private final AdminServiceGrpc.AdminServiceBlockingStub admin;
    private final Duration deadline;

    public GrpcFabricNetworks(Channel channel, Duration deadline) {
        this.fabric = FabricServiceGrpc.newBlockingStub(channel);
        this.admin = AdminServiceGrpc.newBlockingStub(channel);
        this.deadline = deadline;
    }

    @Override
    public List<FabricNetwork> listNetworks() {
        return call("list networks", () -> admin.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .listNetworks(ListNetworksRequest.getDefaultInstance()))
                .getNetworksList().stream().map(GrpcFabricNetworks::toNetwork).toList();
    }

    @Override
    public FabricNetwork createNetwork(NetworkSpec spec) {
        CreateNetworkRequest.Builder request = CreateNetworkRequest.newBuilder()
                .setName(spec.name()).setSubnet(spec.subnet().toString()).putAllLabels(spec.labels());
        spec.gateway().ifPresent(g -> request.setGateway(g.toString()));
        try {
            return toNetwork(admin.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                    .createNetwork(request.build()).getNetwork());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.ALREADY_EXISTS) {
                // Another host propagated the same docker network first: the same definition is not a conflict.
                Optional<FabricNetwork> existing = findNetwork(spec.name());
                if (existing.isPresent() && existing.get().subnet().equals(spec.subnet())) {
                    return existing.get();
                }
            }
            throw translate("create network " + spec.name() + " (" + spec.subnet() + ")", e);
        }
    }

    @Override
    public void deleteNetwork(String networkId) {
        try {
            admin.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                    .deleteNetwork(DeleteNetworkRequest.newBuilder().setNameOrId(networkId).setForce(false).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                throw translate("delete network " + networkId, e);
            }
        }
    }

    @Override
    public AddressLease allocateAddress(String networkId, AllocationHandle handle, Optional<Ipv4Address> preferred) {
        AllocateAddressRequest.Builder request = AllocateAddressRequest.newBuilder().setNetworkId(networkId)
                .setHostId(handle.host().value()).setEndpointId(handle.toString());
        preferred.ifPresent(p -> request.setPreferredAddress(p.toString()));
        AllocateAddressResponse response = call("allocate an address in network " + networkId + " for " + handle,
                () -> fabric.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                        .allocateAddress(request.build()));
        try {
            Ipv4Address address = Ipv4Address.parse(response.getEndpoint().getAddress());
            Ipv4Address gateway = Ipv4Address.parse(response.getGateway());
            return new AddressLease(networkId, handle, address, response.getPrefixLength(), gateway);
        } catch (InvalidInputException e) {
            throw PluginException.failed("the controller answered AllocateAddress for " + handle
                    + " with an unusable address: " + e.getMessage(), e);
        }
    }

    @Override
    public void reportInventory(HostId host, HostInventory inventory) {
        io.ovsfabric.proto.v1.HostInventory.Builder inv = io.ovsfabric.proto.v1.HostInventory.newBuilder()
                .setDockerObserved(inventory.docker().isPresent()).setOvsObserved(inventory.ports().isPresent())
                .setTopologyRevision(inventory.topologyRevision());
        inventory.plugin().forEach(a -> inv.addPlugin(PluginAddress.newBuilder().setNetworkId(a.handle().networkId())
                .setEndpointId(a.handle().toString()).setAddress(a.address()).setReserved(a.reserved())
                .setDockerEndpointId(a.dockerEndpointId())));
        inventory.docker().orElse(List.of()).forEach(d -> inv.addDocker(DockerEndpoint.newBuilder()
                .setNetworkId(d.networkId()).setDockerNetworkId(d.dockerNetworkId())
                .setDockerEndpointId(d.dockerEndpointId()).setContainerId(d.containerId())
                .setContainerName(d.containerName()).setAddress(d.address())));
        inventory.ports().orElse(List.of()).forEach(p -> inv.addOvsPorts(EndpointPort.newBuilder().setPort(p.port())
                .setNetworkId(p.networkId()).setEndpointId(p.handle()).setDockerEndpointId(p.dockerEndpointId())));
        ReportEndpointsRequest request = ReportEndpointsRequest.newBuilder().setHostId(host.value()).setInventory(inv).build();
        call("report what host " + host + " has (" + inventory.plugin().size() + " plugin addresses)",
                () -> fabric.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).reportEndpoints(request));
    }

    @Override
    public void releaseAddress(String networkId, AllocationHandle handle) {
        call("release the address of " + handle + " in network " + networkId,
                () -> fabric.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).releaseAddress(
                        ReleaseAddressRequest.newBuilder().setNetworkId(networkId).setEndpointId(handle.toString())
                                .build()));
    }

    @Override
    public void updateEndpoint(FabricEndpoint endpoint) {
        Endpoint.Builder proto = Endpoint.newBuilder().setNetworkId(endpoint.networkId())
                .setEndpointId(endpoint.handle()).setHostId(endpoint.host().value())
                .setAddress(endpoint.address().toString()).setContainerId(endpoint.containerId())
                .setContainerName(endpoint.containerName()).addAllAliases(endpoint.aliases());
        endpoint.mac().ifPresent(m -> proto.setMac(m.toString()));
        call("update endpoint " + endpoint.handle(), () -> fabric
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .updateEndpoint(UpdateEndpointRequest.newBuilder().setEndpoint(proto).build()));
    }

    @Override
    public List<FabricEndpoint> listEndpoints(Optional<HostId> host) {
        ListEndpointsRequest.Builder request = ListEndpointsRequest.newBuilder();
        host.ifPresent(h -> request.setHostId(h.value()));
        return call("list endpoints", () -> admin.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .listEndpoints(request.build()))
                .getEndpointsList().stream().map(GrpcFabricNetworks::toEndpoint).toList();
    }

    /** Maps a controller network; also used to feed topology networks into the integration. */
    public static FabricNetwork toNetwork(Network n) {
        try {
            Cidr subnet = Cidr.parse(n.getSubnet());
            Ipv4Address gateway = n.getGateway().isEmpty() ? subnet.firstUsable() : Ipv4Address.parse(n.getGateway());
            return new FabricNetwork(n.getId(), n.getName(), subnet, gateway, n.getTunnelKey(), n.getLabelsMap());
        } catch (InvalidInputException e) {
            throw PluginException.failed("the controller sent network " + n.getName() + " (" + n.getId()
                    + ") with an unusable subnet or gateway: " + e.getMessage(), e);
        }
    }

    /** Maps a controller endpoint; also used to feed topology endpoints into the integration. */
    public static FabricEndpoint toEndpoint(Endpoint e) {
        try {
            Optional<MacAddress> mac = e.getMac().isEmpty() ? Optional.empty() : Optional.of(MacAddress.parse(e.getMac()));
            return new FabricEndpoint(e.getNetworkId(), e.getEndpointId(), HostId.of(e.getHostId()),
                    Ipv4Address.parse(e.getAddress()), mac, e.getContainerId(), e.getContainerName(),
                    e.getAliasesList());
        } catch (InvalidInputException ex) {
            throw PluginException.failed("the controller sent endpoint " + e.getEndpointId() + " of network "
                    + e.getNetworkId() + " with unusable fields: " + ex.getMessage(), ex);
        }
    }

    private static <T> T call(String what, Supplier<T> rpc) {
        try {
            return rpc.get();
        } catch (StatusRuntimeException e) {
            throw translate(what, e);
        }
    }

    static PluginException translate(String what, StatusRuntimeException e) {
        Status status = e.getStatus();
        String detail = status.getDescription() == null ? status.getCode().name() : status.getDescription();
        String message = "controller: cannot " + what + ": " + detail;
        return switch (status.getCode()) {
            case INVALID_ARGUMENT, OUT_OF_RANGE -> new PluginException(PluginException.Kind.INVALID_REQUEST, message, e);
            case NOT_FOUND -> new PluginException(PluginException.Kind.NOT_FOUND, message, e);
            case ALREADY_EXISTS, FAILED_PRECONDITION, RESOURCE_EXHAUSTED ->
                    new PluginException(PluginException.Kind.CONFLICT, message, e);
            case UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, CANCELLED -> PluginException.unavailable(
                    message + " (is the controller running and reachable? the call is safe to retry)", e);
            default -> PluginException.failed(message, e);
        };
    }
}
