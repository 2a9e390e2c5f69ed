package io.ovsfabric.agent.rpc;

import io.grpc.Channel;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ovsfabric.proto.v1.AdminServiceGrpc;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The agent's one connection to the controller: owns the gRPC channel, gives every unary call its deadline, and holds
 * the one table from gRPC status to {@link ControllerException.Kind}. This is where choosing among several
 * controllers and retrying on another one belongs.
 */
final class ControllerChannel implements AutoCloseable {
    static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

    private final String address;
    private final ManagedChannel channel;
    private final Duration deadline;

    ControllerChannel(String address, ManagedChannel channel, Duration deadline) {
        this.address = address;
        this.channel = channel;
        this.deadline = deadline;
    }

    /** A channel to {@code host:port}; connecting is lazy, so this never fails on an unreachable controller. */
    static ControllerChannel connect(String address, Duration deadline) {
        return new ControllerChannel(address, Grpc.newChannelBuilder(address, InsecureChannelCredentials.create())
                .keepAliveTime(30, TimeUnit.SECONDS).build(), deadline);
    }

    String address() {
        return address;
    }

    /** For streams, which have no deadline; their failures go through {@link #translate}. */
    Channel channel() {
        return channel;
    }

    /** One unary FabricService call with the deadline; a failure becomes a {@link ControllerException}. */
    <T> T fabric(String what, Function<FabricServiceGrpc.FabricServiceBlockingStub, T> rpc) {
        try {
            return rpc.apply(FabricServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
        } catch (StatusRuntimeException e) {
            throw translate(what, e);
        }
    }

    /** One unary AdminService call with the deadline; a failure becomes a {@link ControllerException}. */
    <T> T admin(String what, Function<AdminServiceGrpc.AdminServiceBlockingStub, T> rpc) {
        try {
            return rpc.apply(AdminServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
        } catch (StatusRuntimeException e) {
            throw translate(what, e);
        }
    }

    /** The one status table of the agent. */
    static ControllerException.Kind kindOf(Status.Code code) {
        return switch (code) {
            case UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, CANCELLED -> ControllerException.Kind.UNAVAILABLE;
            case INVALID_ARGUMENT, OUT_OF_RANGE -> ControllerException.Kind.INVALID;
            case NOT_FOUND -> ControllerException.Kind.NOT_FOUND;
            case ALREADY_EXISTS, FAILED_PRECONDITION, RESOURCE_EXHAUSTED -> ControllerException.Kind.CONFLICT;
            case PERMISSION_DENIED, UNAUTHENTICATED, UNIMPLEMENTED -> ControllerException.Kind.REFUSED;
            case OK, UNKNOWN, INTERNAL, DATA_LOSS -> ControllerException.Kind.FAILED;
        };
    }

    ControllerException translate(String what, StatusRuntimeException e) {
        return translate(what, e, kindOf(e.getStatus().getCode()));
    }

    ControllerException translate(String what, StatusRuntimeException e, ControllerException.Kind kind) {
        Status status = e.getStatus();
        String detail = status.getDescription() != null ? status.getDescription() : status.getCode().toString();
        return new ControllerException(kind, "cannot " + what + " at controller " + address + " ("
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
