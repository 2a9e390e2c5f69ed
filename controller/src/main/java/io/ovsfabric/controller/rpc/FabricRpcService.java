package io.ovsfabric.controller.rpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.registry.HostRegistry;
import io.ovsfabric.controller.topology.TopologyFeed;
import io.ovsfabric.proto.v1.DeregisterRequest;
import io.ovsfabric.proto.v1.DeregisterResponse;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import io.ovsfabric.proto.v1.KeepAliveRequest;
import io.ovsfabric.proto.v1.KeepAliveResponse;
import io.ovsfabric.proto.v1.RegisterRequest;
import io.ovsfabric.proto.v1.RegisterResponse;
import io.ovsfabric.proto.v1.WatchTopologyRequest;

/** What agents call: registration, liveness and the topology stream. */
public final class FabricRpcService extends FabricServiceGrpc.FabricServiceImplBase {
    private final HostRegistry hosts;
    private final TopologyStreams streams;
    private final NetworkRpc networks;

    /** Topology streams never send a message over {@code maxMessageBytes} (the clients' inbound limit). */
    public FabricRpcService(HostRegistry hosts, TopologyFeed topology, NetworkRpc networks, int maxMessageBytes) {
        this.hosts = hosts;
        this.streams = new TopologyStreams(topology, maxMessageBytes);
        this.networks = networks;
    }

    @Override
    public void register(RegisterRequest request, StreamObserver<RegisterResponse> observer) {
        GrpcErrors.unary("Register " + request.getHostId(), observer, () -> {
            HostRegistry.Registration registration = hosts.register(request.getHostId(), request.getUnderlayIp(),
                    request.getCapabilitiesMap(), request.getUnderlayMtu(), request.getHeldSubnet());
            return RegisterResponse.newBuilder().setHost(ProtoMapper.host(registration.host()))
                    .setConfig(ProtoMapper.config(hosts.plan())).setLeaseId(registration.leaseId())
                    .setLeaseTtlSeconds((int) registration.ttlSeconds()).setMtu(hosts.plan().overlayMtu()).build();
        });
    }

    @Override
    public void keepAlive(KeepAliveRequest request, StreamObserver<KeepAliveResponse> observer) {
        GrpcErrors.unary("KeepAlive " + request.getHostId(), observer, () -> KeepAliveResponse.newBuilder()
                .setTtlSeconds((int) hosts.keepAlive(request.getHostId(), request.getLeaseId())).build());
    }

    @Override
    public void deregister(DeregisterRequest request, StreamObserver<DeregisterResponse> observer) {
        GrpcErrors.unary("Deregister " + request.getHostId(), observer, () -> {
            hosts.deregister(request.getHostId(), request.getLeaseId());
            return DeregisterResponse.getDefaultInstance();
        });
    }

    @Override
    public void watchTopology(WatchTopologyRequest request, StreamObserver<io.ovsfabric.proto.v1.TopologyEvent> observer) {
        ServerCallStreamObserver<io.ovsfabric.proto.v1.TopologyEvent> call =
                (ServerCallStreamObserver<io.ovsfabric.proto.v1.TopologyEvent>) observer;
        String watcher = request.getHostId().isEmpty() ? "(anonymous)" : request.getHostId();
        if (request.getResumeRevision() < 0) {
            observer.onError(GrpcErrors.toStatus("WatchTopology " + watcher, new FabricException(FabricException.Code.INVALID,
                    "resume_revision " + request.getResumeRevision() + " is negative: use 0 for a snapshot")));
            return;
        }
        streams.serve(watcher, request.getResumeRevision(), call);
    }

    @Override
    public void allocateAddress(io.ovsfabric.proto.v1.AllocateAddressRequest request,
            StreamObserver<io.ovsfabric.proto.v1.AllocateAddressResponse> observer) {
        networks.allocateAddress(request, observer);
    }

    @Override
    public void releaseAddress(io.ovsfabric.proto.v1.ReleaseAddressRequest request,
            StreamObserver<io.ovsfabric.proto.v1.ReleaseAddressResponse> observer) {
        networks.releaseAddress(request, observer);
    }

    @Override
    public void updateEndpoint(io.ovsfabric.proto.v1.UpdateEndpointRequest request,
            StreamObserver<io.ovsfabric.proto.v1.UpdateEndpointResponse> observer) {
        networks.updateEndpoint(request, observer);
    }

    @Override
    public void reportEndpoints(io.ovsfabric.proto.v1.ReportEndpointsRequest request,
            StreamObserver<io.ovsfabric.proto.v1.ReportEndpointsResponse> observer) {
        networks.reportEndpoints(request, observer);
    }
}
