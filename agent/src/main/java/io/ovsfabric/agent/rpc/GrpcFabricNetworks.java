package io.ovsfabric.agent.rpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.model.AddressLease;
import io.ovsfabric.agent.model.AllocationHandle;
import io.ovsfabric.agent.model.HostInventory;
import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.model.NetworkSpec;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.proto.v1.AllocateAddressRequest;
import io.ovsfabric.proto.v1.AllocateAddressResponse;
import io.ovsfabric.proto.v1.DeleteNetworkRequest;
import io.ovsfabric.proto.v1.ListEndpointsRequest;
import io.ovsfabric.proto.v1.ListNetworksRequest;
import io.ovsfabric.proto.v1.ReleaseAddressRequest;
import io.ovsfabric.proto.v1.UpdateEndpointRequest;

import java.util.List;
import java.util.Optional;

/** {@link FabricNetworks} on the controller channel: FabricService for addresses, AdminService for networks. */
final class GrpcFabricNetworks implements FabricNetworks {
    private final ControllerChannel controller;

    GrpcFabricNetworks(ControllerChannel controller) {
        this.controller = controller;
    }

    @Override
    public List<OverlayNetwork> listNetworks() {
        return controller.admin("list networks", stub -> stub.listNetworks(ListNetworksRequest.getDefaultInstance()))
                .getNetworksList().stream().map(ProtoMapping::network).toList();
    }

    @Override
    public OverlayNetwork createNetwork(NetworkSpec spec) {
        String what = "create network " + spec.name() + " (" + spec.subnet() + ")";
        try {
            return ProtoMapping.network(controller.admin(what,
                    stub -> stub.createNetwork(ProtoMapping.createRequest(spec))).getNetwork());
        } catch (AgentException e) {
            if (e.getCause() instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.ALREADY_EXISTS) {
                // Another host propagated the same docker network first: the same definition is not a conflict.
                Optional<OverlayNetwork> existing = findNetwork(spec.name());
                if (existing.isPresent() && existing.get().subnet().equals(spec.subnet())) {
                    return existing.get();
                }
            }
            throw e;
        }
    }

    @Override
    public void deleteNetwork(String networkId) {
        try {
            controller.admin("delete network " + networkId, stub -> stub.deleteNetwork(
                    DeleteNetworkRequest.newBuilder().setNameOrId(networkId).setForce(false).build()));
        } catch (AgentException e) {
            if (e.code() != AgentException.Code.NOT_FOUND) {
                throw e;
            }
        }
    }

    @Override
    public AddressLease allocateAddress(String networkId, AllocationHandle handle, Optional<Ipv4Address> preferred) {
        AllocateAddressRequest.Builder request = AllocateAddressRequest.newBuilder().setNetworkId(networkId)
                .setHostId(handle.host().value()).setEndpointId(handle.toString());
        preferred.ifPresent(p -> request.setPreferredAddress(p.toString()));
        AllocateAddressResponse response = controller.fabric("allocate an address in network " + networkId + " for "
                + handle, stub -> stub.allocateAddress(request.build()));
        return ProtoMapping.lease(networkId, handle, response);
    }

    @Override
    public void reportInventory(HostId host, HostInventory inventory) {
        controller.fabric("report what host " + host + " has (" + inventory.plugin().size() + " plugin addresses)",
                stub -> stub.reportEndpoints(ProtoMapping.report(host, inventory)));
    }

    @Override
    public void releaseAddress(String networkId, AllocationHandle handle) {
        controller.fabric("release the address of " + handle + " in network " + networkId,
                stub -> stub.releaseAddress(ReleaseAddressRequest.newBuilder().setNetworkId(networkId)
                        .setEndpointId(handle.toString()).build()));
    }

    @Override
    public void updateEndpoint(NetworkEndpoint endpoint) {
        controller.fabric("update endpoint " + endpoint.endpointId(), stub -> stub.updateEndpoint(
                UpdateEndpointRequest.newBuilder().setEndpoint(ProtoMapping.endpoint(endpoint)).build()));
    }

    @Override
    public List<NetworkEndpoint> listEndpoints(Optional<HostId> host) {
        ListEndpointsRequest.Builder request = ListEndpointsRequest.newBuilder();
        host.ifPresent(h -> request.setHostId(h.value()));
        return controller.admin("list endpoints", stub -> stub.listEndpoints(request.build()))
                .getEndpointsList().stream().map(ProtoMapping::endpoint).toList();
    }
}
