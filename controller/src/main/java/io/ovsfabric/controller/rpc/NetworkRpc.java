package io.ovsfabric.controller.rpc;

import io.grpc.stub.StreamObserver;
import io.ovsfabric.controller.registry.EndpointRegistry;
import io.ovsfabric.controller.registry.IpamCheck;
import io.ovsfabric.controller.registry.NetworkRegistry;
import io.ovsfabric.proto.v1.AllocateAddressRequest;
import io.ovsfabric.proto.v1.AllocateAddressResponse;
import io.ovsfabric.proto.v1.CheckIpamRequest;
import io.ovsfabric.proto.v1.CheckIpamResponse;
import io.ovsfabric.proto.v1.CreateNetworkRequest;
import io.ovsfabric.proto.v1.CreateNetworkResponse;
import io.ovsfabric.proto.v1.DeleteNetworkRequest;
import io.ovsfabric.proto.v1.DeleteNetworkResponse;
import io.ovsfabric.proto.v1.Endpoint;
import io.ovsfabric.proto.v1.ListEndpointsRequest;
import io.ovsfabric.proto.v1.ListEndpointsResponse;
import io.ovsfabric.proto.v1.ListNetworksRequest;
import io.ovsfabric.proto.v1.ListNetworksResponse;
import io.ovsfabric.proto.v1.ReleaseAddressRequest;
import io.ovsfabric.proto.v1.ReleaseAddressResponse;
import io.ovsfabric.proto.v1.ReportEndpointsRequest;
import io.ovsfabric.proto.v1.ReportEndpointsResponse;
import io.ovsfabric.proto.v1.UpdateEndpointRequest;
import io.ovsfabric.proto.v1.UpdateEndpointResponse;
import java.time.Duration;

/** The network and endpoint calls of both services (agents allocate; ovsfabricctl creates and lists). */
public final class NetworkRpc {
    private final NetworkRegistry networks;
    private final EndpointRegistry endpoints;
    private final IpamCheck ipam;
    private final Authorization auth;

    public NetworkRpc(NetworkRegistry networks, EndpointRegistry endpoints, IpamCheck ipam, Authorization auth) {
        this.networks = networks;
        this.endpoints = endpoints;
        this.ipam = ipam;
        this.auth = auth;
    }

    void reportEndpoints(ReportEndpointsRequest request, StreamObserver<ReportEndpointsResponse> observer) {
        String call = "ReportEndpoints " + request.getHostId();
        GrpcErrors.unary(call, observer, () -> {
            auth.requireOwnHost(call, request.getHostId());
            ipam.report(io.ovsfabric.common.HostId.of(request.getHostId()), IpamMapping.hostReport(request));
            return ReportEndpointsResponse.getDefaultInstance();
        });
    }

    void checkIpam(CheckIpamRequest request, StreamObserver<CheckIpamResponse> observer) {
        GrpcErrors.unary("CheckIpam", observer, () -> {
            auth.requireAdmin("CheckIpam");
            Duration minAge = request.getMinAgeSeconds() == 0 ? IpamCheck.DEFAULT_MIN_AGE
                    : Duration.ofSeconds(request.getMinAgeSeconds());
            IpamCheck.Outcome outcome = ipam.check(request.getRepair(), minAge);
            CheckIpamResponse.Builder out = CheckIpamResponse.newBuilder().addAllPartialHosts(outcome.partialHosts());
            outcome.unreportedHosts().forEach(h -> out.addUnreportedHosts(h.value()));
            for (IpamCheck.Checked c : outcome.findings()) {
                out.addFindings(IpamMapping.finding(c.finding(), c.repaired()));
            }
            return out.build();
        });
    }

    void allocateAddress(AllocateAddressRequest request, StreamObserver<AllocateAddressResponse> observer) {
        String call = "AllocateAddress " + request.getEndpointId() + " on " + request.getHostId();
        GrpcErrors.unary(call, observer, () -> {
            auth.requireOwnHost(call, request.getHostId());
            EndpointRegistry.Allocation a = endpoints.allocate(request.getNetworkId(), request.getHostId(), request.getEndpointId(),
                    request.getPreferredAddress());
            return AllocateAddressResponse.newBuilder().setEndpoint(ProtoMapper.endpoint(a.endpoint()))
                    .setPrefixLength(a.network().subnet().prefixLength()).setGateway(a.network().gateway().toString()).build();
        });
    }

    void releaseAddress(ReleaseAddressRequest request, StreamObserver<ReleaseAddressResponse> observer) {
        String call = "ReleaseAddress " + request.getNetworkId();
        GrpcErrors.unary(call, observer, () -> {
            endpoints.release(request.getNetworkId(), request.getAddress(), request.getEndpointId(),
                    auth.requireOwnHost(call, ""));
            return ReleaseAddressResponse.getDefaultInstance();
        });
    }

    void updateEndpoint(UpdateEndpointRequest request, StreamObserver<UpdateEndpointResponse> observer) {
        Endpoint e = request.getEndpoint();
        String call = "UpdateEndpoint " + e.getEndpointId();
        GrpcErrors.unary(call, observer, () -> {
            endpoints.update(e.getNetworkId(), e.getEndpointId(), e.getMac(), e.getContainerId(), e.getContainerName(),
                    e.getAliasesList(), auth.requireOwnHost(call, e.getHostId()));
            return UpdateEndpointResponse.getDefaultInstance();
        });
    }

    void createNetwork(CreateNetworkRequest request, StreamObserver<CreateNetworkResponse> observer) {
        String call = "CreateNetwork " + request.getName();
        GrpcErrors.unary(call, observer, () -> {
            auth.requireHostOrAdmin(call);
            return CreateNetworkResponse.newBuilder().setNetwork(ProtoMapper.network(networks.create(request.getName(),
                    request.getSubnet(), request.getGateway(), request.getLabelsMap()))).build();
        });
    }

    void listNetworks(ListNetworksRequest request, StreamObserver<ListNetworksResponse> observer) {
        GrpcErrors.unary("ListNetworks", observer, () -> {
            auth.requireMember("ListNetworks");
            ListNetworksResponse.Builder out = ListNetworksResponse.newBuilder();
            networks.list().forEach(n -> out.addNetworks(ProtoMapper.network(n)));
            return out.build();
        });
    }

    void deleteNetwork(DeleteNetworkRequest request, StreamObserver<DeleteNetworkResponse> observer) {
        String call = "DeleteNetwork " + request.getNameOrId() + (request.getForce() ? " --force" : "");
        GrpcErrors.unary(call, observer, () -> {
            if (request.getForce()) {
                auth.requireAdmin(call);
            } else {
                auth.requireHostOrAdmin(call);
            }
            NetworkRegistry.Deleted d = networks.delete(request.getNameOrId(), request.getForce());
            return DeleteNetworkResponse.newBuilder().setDeleted(ProtoMapper.network(d.network()))
                    .setReleasedAddresses(d.releasedAddresses()).build();
        });
    }

    void listEndpoints(ListEndpointsRequest request, StreamObserver<ListEndpointsResponse> observer) {
        GrpcErrors.unary("ListEndpoints", observer, () -> {
            auth.requireMember("ListEndpoints");
            ListEndpointsResponse.Builder out = ListEndpointsResponse.newBuilder();
            endpoints.list(request.getNetwork(), request.getHostId()).forEach(e -> out.addEndpoints(ProtoMapper.endpoint(e)));
            return out.build();
        });
    }
}
