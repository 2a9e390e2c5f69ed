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

    public NetworkRpc(NetworkRegistry networks, EndpointRegistry endpoints, IpamCheck ipam) {
        this.networks = networks;
        this.endpoints = endpoints;
        this.ipam = ipam;
    }

    void reportEndpoints(ReportEndpointsRequest request, StreamObserver<ReportEndpointsResponse> observer) {
        GrpcErrors.unary("ReportEndpoints " + request.getHostId(), observer, () -> {
            ipam.report(io.ovsfabric.common.HostId.of(request.getHostId()), IpamMapping.hostReport(request));
            return ReportEndpointsResponse.getDefaultInstance();
        });
    }

    void checkIpam(CheckIpamRequest request, StreamObserver<CheckIpamResponse> observer) {
        GrpcErrors.unary("CheckIpam", observer, () -> {
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
        GrpcErrors.unary("AllocateAddress " + request.getEndpointId() + " on " + request.getHostId(), observer, () -> {
            EndpointRegistry.Allocation a = endpoints.allocate(request.getNetworkId(), request.getHostId(), request.getEndpointId(),
                    request.getPreferredAddress());
            return AllocateAddressResponse.newBuilder().setEndpoint(ProtoMapper.endpoint(a.endpoint()))
                    .setPrefixLength(a.network().subnet().prefixLength()).setGateway(a.network().gateway().toString()).build();
        });
    }

    void releaseAddress(ReleaseAddressRequest request, StreamObserver<ReleaseAddressResponse> observer) {
        GrpcErrors.unary("ReleaseAddress " + request.getNetworkId(), observer, () -> {
            endpoints.release(request.getNetworkId(), request.getAddress(), request.getEndpointId());
            return ReleaseAddressResponse.getDefaultInstance();
        });
    }

    void updateEndpoint(UpdateEndpointRequest request, StreamObserver<UpdateEndpointResponse> observer) {
        Endpoint e = request.getEndpoint();
        GrpcErrors.unary("UpdateEndpoint " + e.getEndpointId(), observer, () -> {
            endpoints.update(e.getNetworkId(), e.getEndpointId(), e.getMac(), e.getContainerId(), e.getContainerName(), e.getAliasesList());
            return UpdateEndpointResponse.getDefaultInstance();
        });
    }

    void createNetwork(CreateNetworkRequest request, StreamObserver<CreateNetworkResponse> observer) {
        GrpcErrors.unary("CreateNetwork " + request.getName(), observer, () -> CreateNetworkResponse.newBuilder()
                .setNetwork(ProtoMapper.network(networks.create(request.getName(), request.getSubnet(), request.getGateway(),
                        request.getLabelsMap()))).build());
    }

    void listNetworks(ListNetworksRequest request, StreamObserver<ListNetworksResponse> observer) {
        GrpcErrors.unary("ListNetworks", observer, () -> {
            ListNetworksResponse.Builder out = ListNetworksResponse.newBuilder();
            networks.list().forEach(n -> out.addNetworks(ProtoMapper.network(n)));
            return out.build();
        });
    }

    void deleteNetwork(DeleteNetworkRequest request, StreamObserver<DeleteNetworkResponse> observer) {
        GrpcErrors.unary("DeleteNetwork " + request.getNameOrId(), observer, () -> {
            NetworkRegistry.Deleted d = networks.delete(request.getNameOrId(), request.getForce());
            return DeleteNetworkResponse.newBuilder().setDeleted(ProtoMapper.network(d.network()))
                    .setReleasedAddresses(d.releasedAddresses()).build();
        });
    }

    void listEndpoints(ListEndpointsRequest request, StreamObserver<ListEndpointsResponse> observer) {
        GrpcErrors.unary("ListEndpoints", observer, () -> {
            ListEndpointsResponse.Builder out = ListEndpointsResponse.newBuilder();
            endpoints.list(request.getNetwork(), request.getHostId()).forEach(e -> out.addEndpoints(ProtoMapper.endpoint(e)));
            return out.build();
        });
    }
}
