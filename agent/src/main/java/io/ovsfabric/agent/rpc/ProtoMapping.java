package io.ovsfabric.agent.rpc;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.model.AddressLease;
import io.ovsfabric.agent.model.AllocationHandle;
import io.ovsfabric.agent.model.FabricHost;
import io.ovsfabric.agent.model.FabricSettings;
import io.ovsfabric.agent.model.HostInventory;
import io.ovsfabric.agent.model.LocalHost;
import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.model.NetworkSpec;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.model.TopologyUpdate;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.TunnelKey;
import io.ovsfabric.proto.v1.AllocateAddressResponse;
import io.ovsfabric.proto.v1.CreateNetworkRequest;
import io.ovsfabric.proto.v1.DockerEndpoint;
import io.ovsfabric.proto.v1.Endpoint;
import io.ovsfabric.proto.v1.EndpointPort;
import io.ovsfabric.proto.v1.FabricConfig;
import io.ovsfabric.proto.v1.Host;
import io.ovsfabric.proto.v1.Network;
import io.ovsfabric.proto.v1.PluginAddress;
import io.ovsfabric.proto.v1.RegisterResponse;
import io.ovsfabric.proto.v1.ReportEndpointsRequest;
import io.ovsfabric.proto.v1.TopologyChange;
import io.ovsfabric.proto.v1.TopologyEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The agent's one mapper between protobuf and the agent model, both ways. Proto types stop here. GRE keys are
 * {@code uint32} on the wire and always cross with {@link TunnelKey#fromWire(int)} / {@link TunnelKey#toWire()}.
 */
final class ProtoMapping {
    private ProtoMapping() {}

    static FabricSettings fabric(FabricConfig c) {
        return parsed(() -> "fabric plan", () -> new FabricSettings(Cidr.parse(c.getFabricCidr()), c.getHostPrefix(),
                TunnelKey.fromWire(c.getTunnelKey()), c.getUnderlayMtu(), c.getTunnelOverhead(), c.getReservedHead(),
                c.getFabricId()));
    }

    static FabricHost host(Host h) {
        return parsed(() -> "host " + h.getHostId(), () -> new FabricHost(HostId.of(h.getHostId()),
                Ipv4Address.parse(h.getUnderlayIp()), Cidr.parse(h.getSubnet()), state(h)));
    }

    private static FabricHost.State state(Host h) {
        return switch (h.getState()) {
            case HOST_STATE_UP -> FabricHost.State.UP;
            case HOST_STATE_RESERVED -> FabricHost.State.RESERVED;
            default -> h.getLeft() ? FabricHost.State.LEFT : FabricHost.State.DOWN;
        };
    }

    static OverlayNetwork network(Network n) {
        return parsed(() -> "network " + n.getName() + " (" + n.getId() + ")", () -> {
            Cidr subnet = Cidr.parse(n.getSubnet());
            Ipv4Address gateway = n.getGateway().isEmpty() ? subnet.firstUsable() : Ipv4Address.parse(n.getGateway());
            return new OverlayNetwork(n.getId(), n.getName(), subnet, gateway, TunnelKey.fromWire(n.getTunnelKey()),
                    n.getLabelsMap());
        });
    }

    static NetworkEndpoint endpoint(Endpoint e) {
        return parsed(() -> "endpoint " + e.getEndpointId() + " of network " + e.getNetworkId(),
                () -> new NetworkEndpoint(e.getNetworkId(), e.getEndpointId(), HostId.of(e.getHostId()),
                        Ipv4Address.parse(e.getAddress()), e.getMac(), e.getContainerId(), e.getContainerName(),
                        e.getAliasesList()));
    }

    static Endpoint endpoint(NetworkEndpoint e) {
        return Endpoint.newBuilder().setNetworkId(e.networkId()).setEndpointId(e.endpointId())
                .setHostId(e.host().value()).setAddress(e.address().toString()).setMac(e.mac())
                .setContainerId(e.containerId()).setContainerName(e.containerName()).addAllAliases(e.aliases()).build();
    }

    static LocalHost self(RegisterResponse r) {
        Host h = r.getHost();
        return parsed(() -> "registration of " + h.getHostId(), () -> new LocalHost(HostId.of(h.getHostId()),
                Ipv4Address.parse(h.getUnderlayIp()), Cidr.parse(h.getSubnet()), Ipv4Address.parse(h.getGateway()),
                r.getMtu()));
    }

    static CreateNetworkRequest createRequest(NetworkSpec spec) {
        CreateNetworkRequest.Builder request = CreateNetworkRequest.newBuilder()
                .setName(spec.name()).setSubnet(spec.subnet().toString()).putAllLabels(spec.labels());
        spec.gateway().ifPresent(g -> request.setGateway(g.toString()));
        return request.build();
    }

    static AddressLease lease(String networkId, AllocationHandle handle, AllocateAddressResponse r) {
        return parsed(() -> "the address of " + handle, () -> new AddressLease(networkId, handle,
                Ipv4Address.parse(r.getEndpoint().getAddress()), r.getPrefixLength(), Ipv4Address.parse(r.getGateway())));
    }

    static ReportEndpointsRequest report(HostId host, HostInventory inventory) {
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
        return ReportEndpointsRequest.newBuilder().setHostId(host.value()).setInventory(inv).build();
    }

    /** Empty for events that carry nothing the agent follows (a delta of changes it does not know is kept). */
    static Optional<TopologyUpdate> update(TopologyEvent e) {
        if (e.hasSnapshot()) {
            List<FabricHost> hosts = e.getSnapshot().getHostsList().stream().map(ProtoMapping::host).toList();
            List<OverlayNetwork> networks = e.getSnapshot().getNetworksList().stream().map(ProtoMapping::network)
                    .toList();
            List<NetworkEndpoint> endpoints = e.getSnapshot().getEndpointsList().stream()
                    .map(ProtoMapping::endpoint).toList();
            return Optional.of(new TopologyUpdate.Snapshot(fabric(e.getSnapshot().getConfig()), hosts, networks,
                    endpoints, e.getRevision()));
        }
        if (e.hasDelta()) {
            List<TopologyUpdate.HostChange> changes = new ArrayList<>();
            for (TopologyChange c : e.getDelta().getChangesList()) {
                if (c.hasHostUpserted()) {
                    changes.add(new TopologyUpdate.HostUpserted(host(c.getHostUpserted())));
                } else if (c.getChangeCase() == TopologyChange.ChangeCase.HOST_REMOVED) {
                    changes.add(new TopologyUpdate.HostRemoved(HostId.of(c.getHostRemoved())));
                } else if (c.hasNetworkUpserted()) {
                    changes.add(new TopologyUpdate.NetworkUpserted(network(c.getNetworkUpserted())));
                } else if (c.getChangeCase() == TopologyChange.ChangeCase.NETWORK_REMOVED) {
                    changes.add(new TopologyUpdate.NetworkRemoved(c.getNetworkRemoved()));
                } else if (c.hasEndpointUpserted()) {
                    changes.add(new TopologyUpdate.EndpointUpserted(endpoint(c.getEndpointUpserted())));
                } else if (c.hasEndpointRemoved()) {
                    changes.add(new TopologyUpdate.EndpointRemoved(new NetworkEndpoint.Key(
                            c.getEndpointRemoved().getNetworkId(), c.getEndpointRemoved().getEndpointId())));
                }
            }
            // Kept even when empty: the revision still advances, so a resume starts after it.
            return Optional.of(new TopologyUpdate.Delta(changes, e.getRevision()));
        }
        return Optional.empty();
    }

    /**
     * A field the controller sent that the agent cannot use is the controller's failure, said with what it was.
     * {@code what} is built only then: an agent maps every endpoint of every snapshot it gets.
     */
    private static <T> T parsed(Supplier<String> what, Supplier<T> mapping) {
        try {
            return mapping.get();
        } catch (RuntimeException e) {
            if (AgentException.codeOf(e) != AgentException.Code.INVALID) {
                throw e;
            }
            throw new AgentException(AgentException.Code.FAILED, "the controller sent " + what.get()
                    + " with unusable fields: " + e.getMessage(), e);
        }
    }
}
