package io.ovsfabric.controller.rpc;

import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.common.pki.Identity;
import io.ovsfabric.common.pki.PeerIdentityInterceptor;
import io.ovsfabric.controller.registry.Enrollment;
import io.ovsfabric.controller.registry.HostRegistry;
import io.ovsfabric.proto.v1.JoinRequest;
import io.ovsfabric.proto.v1.JoinResponse;
import io.ovsfabric.proto.v1.RenewRequest;
import io.ovsfabric.proto.v1.RenewResponse;
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
    private final Authorization auth;
    private final Enrollment enrollment;

    /** Topology streams never send a message over {@code maxMessageBytes} (the clients' inbound limit). */
    public FabricRpcService(HostRegistry hosts, TopologyFeed topology, NetworkRpc networks, int maxMessageBytes,
            Authorization auth, Enrollment enrollment) {
        this.hosts = hosts;
        this.streams = new TopologyStreams(topology, maxMessageBytes);
        this.networks = networks;
        this.auth = auth;
        this.enrollment = enrollment;
    }

    @Override
    public void register(RegisterRequest request, StreamObserver<RegisterResponse> observer) {
        String call = "Register " + request.getHostId();
        GrpcErrors.unary(call, observer, () -> {
            auth.requireOwnHost(call, request.getHostId());
            HostRegistry.Registration registration = hosts.register(request.getHostId(), request.getUnderlayIp(),
                    request.getCapabilitiesMap(), request.getUnderlayMtu(), request.getHeldSubnet());
            // lease_id stays unset: lease ids never leave the controller (KeepAlive/Deregister go by identity)
            return RegisterResponse.newBuilder().setHost(ProtoMapper.host(registration.host()))
                    .setConfig(ProtoMapper.config(hosts.plan()))
                    .setLeaseTtlSeconds((int) registration.ttlSeconds()).setMtu(hosts.plan().overlayMtu()).build();
        });
    }

    @Override
    public void keepAlive(KeepAliveRequest request, StreamObserver<KeepAliveResponse> observer) {
        String call = "KeepAlive " + request.getHostId();
        GrpcErrors.unary(call, observer, () -> {
            auth.requireOwnHost(call, request.getHostId());
            return KeepAliveResponse.newBuilder().setTtlSeconds((int) hosts.keepAlive(request.getHostId())).build();
        });
    }

    @Override
    public void deregister(DeregisterRequest request, StreamObserver<DeregisterResponse> observer) {
        String call = "Deregister " + request.getHostId();
        GrpcErrors.unary(call, observer, () -> {
            auth.requireOwnHost(call, request.getHostId());
            hosts.deregister(request.getHostId());
            return DeregisterResponse.getDefaultInstance();
        });
    }

    @Override
    public void join(JoinRequest request, StreamObserver<JoinResponse> observer) {
        String from = PeerIdentityInterceptor.remoteAddress();
        GrpcErrors.unary("Join " + (request.getHostId().isEmpty() ? "(host of the token)" : request.getHostId())
                + " from " + from, observer, () -> {
            Enrollment.Signed signed = enrollment.join(request.getToken(), request.getHostId(), request.getCsrPem(), from);
            return JoinResponse.newBuilder().setHostId(signed.identity().name())
                    .setCertificatePem(signed.certificatePem()).setCaPem(signed.caPem()).build();
        });
    }

    @Override
    public void renew(RenewRequest request, StreamObserver<RenewResponse> observer) {
        String call = "Renew";
        GrpcErrors.unary(call + " for " + auth.describeCaller(), observer, () -> {
            Identity caller = PeerIdentityInterceptor.find().orElseThrow(() -> new FabricException(
                    FabricException.Code.DENIED, "Renew needs the current certificate (mutual TLS)"));
            Enrollment.Signed signed = enrollment.renew(caller, request.getCsrPem(), PeerIdentityInterceptor.remoteAddress());
            return RenewResponse.newBuilder().setCertificatePem(signed.certificatePem()).setCaPem(signed.caPem()).build();
        });
    }

    /**
     * What to add to the server: the generated service, but WatchTopology sends pre-encoded events
     * ({@link EncodedEvent}: serialized once for every stream; the same bytes on the wire). Every other method is
     * bound as generated.
     */
    public ServerServiceDefinition definition() {
        ServerServiceDefinition generated = super.bindService();
        ServerServiceDefinition.Builder service = ServerServiceDefinition.builder(generated.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> method : generated.getMethods()) {
            if (!method.getMethodDescriptor().getFullMethodName().equals(EncodedEvent.WATCH_TOPOLOGY.getFullMethodName())) {
                service.addMethod(method);
            }
        }
        return service.addMethod(EncodedEvent.WATCH_TOPOLOGY, ServerCalls.asyncServerStreamingCall(this::watchEncoded)).build();
    }

    /** Not bound (see {@link #definition}): WatchTopology is served by {@link #watchEncoded}. */
    @Override
    public void watchTopology(WatchTopologyRequest request, StreamObserver<io.ovsfabric.proto.v1.TopologyEvent> observer) {
        super.watchTopology(request, observer);
    }

    private void watchEncoded(WatchTopologyRequest request, StreamObserver<EncodedEvent> observer) {
        ServerCallStreamObserver<EncodedEvent> call = (ServerCallStreamObserver<EncodedEvent>) observer;
        String watcher = request.getHostId().isEmpty() ? "(anonymous)" : request.getHostId();
        try {
            auth.requireMember("WatchTopology " + watcher);
            if (auth.enforced()) {
                watcher = PeerIdentityInterceptor.find().map(Identity::uri).orElse(watcher);
            }
        } catch (FabricException e) {
            observer.onError(GrpcErrors.toStatus("WatchTopology " + watcher, e));
            return;
        }
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
