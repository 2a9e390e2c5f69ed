package io.ovsfabric.agent.rpc;

import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.ovsfabric.agent.model.FabricHost;
import io.ovsfabric.agent.model.FabricSettings;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.proto.v1.AdminServiceGrpc;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import io.ovsfabric.proto.v1.GetFabricRequest;
import io.ovsfabric.proto.v1.KeepAliveRequest;
import io.ovsfabric.proto.v1.ListHostsRequest;
import io.ovsfabric.proto.v1.RegisterRequest;
import io.ovsfabric.proto.v1.RegisterResponse;
import io.ovsfabric.proto.v1.TopologyEvent;
import io.ovsfabric.proto.v1.WatchTopologyRequest;
import io.ovsfabric.agent.model.TopologyUpdate;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** {@link FabricClient} over the controller's gRPC API (one channel, unary calls with a deadline). */
public final class GrpcFabricClient implements FabricClient {
    private static final long DEADLINE_SECONDS = 10;

    private final String address;
    private final ManagedChannel channel;

    private GrpcFabricClient(String address, ManagedChannel channel) {
        this.address = address;
        this.channel = channel;
    }

    /** A client for {@code host:port}; connecting is lazy, so this never fails on an unreachable controller. */
    public static GrpcFabricClient connect(String address) {
        return new GrpcFabricClient(address, Grpc.newChannelBuilder(address, InsecureChannelCredentials.create())
                .keepAliveTime(30, TimeUnit.SECONDS).build());
    }

    private FabricServiceGrpc.FabricServiceBlockingStub fabricStub() {
        return FabricServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    private AdminServiceGrpc.AdminServiceBlockingStub adminStub() {
        return AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public Registration register(HostId host, Ipv4Address underlayIp, int underlayMtu, Map<String, String> capabilities) {
        RegisterResponse r = call("register " + host, () -> fabricStub().register(RegisterRequest.newBuilder()
                .setHostId(host.value()).setUnderlayIp(underlayIp.toString()).setUnderlayMtu(Math.max(underlayMtu, 0))
                .putAllCapabilities(capabilities).build()));
        return new Registration(ProtoMapping.self(r), ProtoMapping.fabric(r.getConfig()), r.getLeaseId(),
                Duration.ofSeconds(r.getLeaseTtlSeconds()));
    }

    @Override
    public void keepAlive(HostId host, long leaseId) {
        try {
            fabricStub().keepAlive(KeepAliveRequest.newBuilder().setHostId(host.value()).setLeaseId(leaseId).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                throw new ControllerException(ControllerException.Kind.LEASE_LOST,
                        "lease " + leaseId + " of host " + host + " is gone: " + e.getStatus().getDescription(), e);
            }
            throw translate("keep-alive of " + host, e);
        }
    }

    @Override
    public AutoCloseable watch(HostId host, long resumeRevision, Consumer<TopologyUpdate> onUpdate,
            Consumer<Throwable> onEnd) {
        Context.CancellableContext context = Context.current().withCancellation();
        WatchTopologyRequest request = WatchTopologyRequest.newBuilder().setHostId(host.value())
                .setResumeRevision(resumeRevision).build();
        context.run(() -> FabricServiceGrpc.newStub(channel).watchTopology(request, new StreamObserver<>() {
            @Override
            public void onNext(TopologyEvent event) {
                ProtoMapping.update(event).ifPresent(onUpdate);
            }

            @Override
            public void onError(Throwable t) {
                onEnd.accept(t instanceof StatusRuntimeException s ? translate("topology watch", s) : t);
            }

            @Override
            public void onCompleted() {
                onEnd.accept(new ControllerException(ControllerException.Kind.UNAVAILABLE,
                        "controller " + address + " ended the topology stream", null));
            }
        }));
        return () -> context.cancel(null);
    }

    @Override
    public FabricSettings fabric() {
        return ProtoMapping.fabric(call("read the fabric plan",
                () -> adminStub().getFabric(GetFabricRequest.getDefaultInstance())).getConfig());
    }

    @Override
    public FabricHost host(HostId host) {
        return call("list hosts", () -> adminStub().listHosts(ListHostsRequest.getDefaultInstance())).getHostsList()
                .stream().filter(h -> h.getHostId().equals(host.value())).findFirst().map(ProtoMapping::host)
                .orElseThrow(() -> new ControllerException(ControllerException.Kind.NOT_FOUND, "host " + host
                        + " has no subnet at controller " + address + ": start its agent, or reserve one with "
                        + "'ovsfabricctl hosts reserve " + host + " --underlay-ip IP'", null));
    }

    private <T> T call(String what, Supplier<T> rpc) {
        try {
            return rpc.get();
        } catch (StatusRuntimeException e) {
            throw translate(what, e);
        }
    }

    private ControllerException translate(String what, StatusRuntimeException e) {
        Status status = e.getStatus();
        ControllerException.Kind kind = switch (status.getCode()) {
            case INVALID_ARGUMENT, ALREADY_EXISTS, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, PERMISSION_DENIED,
                    UNAUTHENTICATED, OUT_OF_RANGE, UNIMPLEMENTED -> ControllerException.Kind.REFUSED;
            case NOT_FOUND -> ControllerException.Kind.NOT_FOUND;
            default -> ControllerException.Kind.UNAVAILABLE;
        };
        String detail = status.getDescription() != null ? status.getDescription() : status.getCode().toString();
        return new ControllerException(kind, what + " at controller " + address + " failed ("
                + status.getCode() + "): " + detail, e);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
