package io.ovsfabric.controller.rpc;

import io.grpc.stub.StreamObserver;
import io.ovsfabric.controller.model.HostView;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.pki.JoinTokens;
import io.ovsfabric.controller.registry.Enrollment;
import io.ovsfabric.controller.registry.HostRegistry;
import io.ovsfabric.proto.v1.CreateJoinTokenRequest;
import io.ovsfabric.proto.v1.CreateJoinTokenResponse;
import io.ovsfabric.controller.store.LeaderElection;
import io.ovsfabric.proto.v1.AdminServiceGrpc;
import io.ovsfabric.proto.v1.GetFabricRequest;
import io.ovsfabric.proto.v1.GetFabricResponse;
import io.ovsfabric.proto.v1.ListHostsRequest;
import io.ovsfabric.proto.v1.ListHostsResponse;
import io.ovsfabric.proto.v1.ListSubnetsRequest;
import io.ovsfabric.proto.v1.ListSubnetsResponse;
import io.ovsfabric.proto.v1.ReleaseHostRequest;
import io.ovsfabric.proto.v1.ReleaseHostResponse;
import io.ovsfabric.proto.v1.ReserveHostRequest;
import io.ovsfabric.proto.v1.ReserveHostResponse;
import io.ovsfabric.proto.v1.SubnetAllocation;
import java.util.function.LongSupplier;

/** What ovsfabricctl calls. */
public final class AdminRpcService extends AdminServiceGrpc.AdminServiceImplBase {
    private final HostRegistry hosts;
    private final LeaderElection election;
    private final String controllerId;
    private final LongSupplier revision;
    private final NetworkRpc networks;
    private final Authorization auth;
    private final Enrollment enrollment;

    public AdminRpcService(HostRegistry hosts, LeaderElection election, String controllerId, LongSupplier revision,
            NetworkRpc networks, Authorization auth, Enrollment enrollment) {
        this.auth = auth;
        this.enrollment = enrollment;
        this.networks = networks;
        this.hosts = hosts;
        this.election = election;
        this.controllerId = controllerId;
        this.revision = revision;
    }

    @Override
    public void getFabric(GetFabricRequest request, StreamObserver<GetFabricResponse> observer) {
        GrpcErrors.unary("GetFabric", observer, () -> {
            auth.requireMember("GetFabric");
            return GetFabricResponse.newBuilder().setConfig(ProtoMapper.config(hosts.plan()))
                    .setLeader(election.leader().orElse("")).setControllerId(controllerId)
                    .setRevision(revision.getAsLong()).build();
        });
    }

    @Override
    public void listHosts(ListHostsRequest request, StreamObserver<ListHostsResponse> observer) {
        GrpcErrors.unary("ListHosts", observer, () -> {
            auth.requireMember("ListHosts");
            ListHostsResponse.Builder out = ListHostsResponse.newBuilder();
            hosts.list().forEach(h -> out.addHosts(ProtoMapper.host(h)));
            return out.build();
        });
    }

    @Override
    public void listSubnets(ListSubnetsRequest request, StreamObserver<ListSubnetsResponse> observer) {
        GrpcErrors.unary("ListSubnets", observer, () -> {
            auth.requireMember("ListSubnets");
            HostRegistry.SubnetUsage usage = hosts.subnets();
            ListSubnetsResponse.Builder out = ListSubnetsResponse.newBuilder().setTotalSubnets((int) usage.assignable())
                    .setHeldSubnets((int) usage.held());
            for (HostView h : usage.holders()) {
                out.addAllocations(SubnetAllocation.newBuilder().setSubnet(h.record().subnet().toString())
                        .setHostId(h.record().hostId().value()).setState(ProtoMapper.state(h))
                        .setUnderlayIp(h.record().underlayIp().toString()));
            }
            return out.build();
        });
    }

    @Override
    public void reserveHost(ReserveHostRequest request, StreamObserver<ReserveHostResponse> observer) {
        String call = "ReserveHost " + request.getHostId();
        GrpcErrors.unary(call, observer, () -> {
            auth.requireAdmin(call);
            return ReserveHostResponse.newBuilder()
                    .setHost(ProtoMapper.host(hosts.reserve(request.getHostId(), request.getUnderlayIp()))).build();
        });
    }

    @Override
    public void releaseHost(ReleaseHostRequest request, StreamObserver<ReleaseHostResponse> observer) {
        String call = "ReleaseHost " + request.getHostId();
        GrpcErrors.unary(call, observer, () -> {
            auth.requireAdmin(call);
            return ReleaseHostResponse.newBuilder()
                    .setReleased(ProtoMapper.host(hosts.release(request.getHostId(), request.getForce()))).build();
        });
    }

    @Override
    public void createNetwork(io.ovsfabric.proto.v1.CreateNetworkRequest request,
            StreamObserver<io.ovsfabric.proto.v1.CreateNetworkResponse> observer) {
        networks.createNetwork(request, observer);
    }

    @Override
    public void listNetworks(io.ovsfabric.proto.v1.ListNetworksRequest request,
            StreamObserver<io.ovsfabric.proto.v1.ListNetworksResponse> observer) {
        networks.listNetworks(request, observer);
    }

    @Override
    public void deleteNetwork(io.ovsfabric.proto.v1.DeleteNetworkRequest request,
            StreamObserver<io.ovsfabric.proto.v1.DeleteNetworkResponse> observer) {
        networks.deleteNetwork(request, observer);
    }

    @Override
    public void listEndpoints(io.ovsfabric.proto.v1.ListEndpointsRequest request,
            StreamObserver<io.ovsfabric.proto.v1.ListEndpointsResponse> observer) {
        networks.listEndpoints(request, observer);
    }

    @Override
    public void checkIpam(io.ovsfabric.proto.v1.CheckIpamRequest request,
            StreamObserver<io.ovsfabric.proto.v1.CheckIpamResponse> observer) {
        networks.checkIpam(request, observer);
    }

    @Override
    public void createJoinToken(CreateJoinTokenRequest request, StreamObserver<CreateJoinTokenResponse> observer) {
        String call = "CreateJoinToken" + (request.getHostId().isEmpty() ? "" : " for " + request.getHostId());
        GrpcErrors.unary(call, observer, () -> {
            auth.requireAdmin(call);
            java.time.Duration ttl = request.getTtlSeconds() == 0 ? JoinTokens.DEFAULT_TTL
                    : java.time.Duration.ofSeconds(request.getTtlSeconds());
            java.util.Optional<HostId> host = request.getHostId().isEmpty() ? java.util.Optional.empty()
                    : java.util.Optional.of(HostId.of(request.getHostId()));
            Enrollment.Created created = enrollment.createToken(ttl, host, auth.describeCaller());
            return CreateJoinTokenResponse.newBuilder().setToken(created.token().reveal())
                    .setTokenId(created.record().id()).setExpiresAtUnixMs(created.record().expiresAt().toEpochMilli())
                    .setHostId(host.map(HostId::value).orElse("")).build();
        });
    }
}
