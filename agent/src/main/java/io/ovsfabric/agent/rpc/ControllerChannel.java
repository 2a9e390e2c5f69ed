package io.ovsfabric.agent.rpc;

import io.grpc.Channel;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.common.rpc.ControllerChannels;
import io.ovsfabric.common.rpc.ControllerTargets;
import io.ovsfabric.proto.v1.AdminServiceGrpc;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The agent's one connection to the controllers: owns the gRPC channel (which knows every controller of
 * {@code --controller a:7070,b:7070,...} and moves to the next when the one in use stops answering, see
 * {@link ControllerChannels}), gives every unary call its deadline, retries a call that found its controller gone on
 * another one within that deadline, and holds the agent's one table from gRPC status to {@link AgentException.Code}
 * (the only place that reads a gRPC status).
 * Every unary call of the fabric's API is safe to repeat (registration, keep-alive, allocation by handle, release,
 * updates and reads are idempotent), so retrying on UNAVAILABLE never does anything twice.
 */
final class ControllerChannel implements AutoCloseable {
    static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);
    private static final int MAX_ATTEMPTS = 3;
    /** How long a retry waits for a controller to accept the connection: a connect attempt's timeout and a bit. */
    private static final Duration RETRY_WAIT = ControllerChannels.CONNECT_TIMEOUT.plusSeconds(1);

    private final String address;
    private final ManagedChannel channel;
    private final Duration deadline;
    private final boolean dockerFacing;

    ControllerChannel(String address, ManagedChannel channel, Duration deadline) {
        this(address, channel, deadline, false);
    }

    private ControllerChannel(String address, ManagedChannel channel, Duration deadline, boolean dockerFacing) {
        this.address = address;
        this.channel = channel;
        this.deadline = deadline;
        this.dockerFacing = dockerFacing;
    }

    /**
     * A channel to the controllers ({@code host:port[,host:port...]}, names may resolve to several); connecting is
     * lazy, so this never fails on an unreachable controller.
     *
     * @throws io.ovsfabric.common.InvalidInputException naming every malformed entry
     */
    static ControllerChannel connect(String addresses, Duration deadline) {
        return connect(addresses, deadline, InsecureChannelCredentials.create());
    }

    /** As above, with the given credentials (the host's mutual TLS, see {@link HostCredentials}). */
    static ControllerChannel connect(String addresses, Duration deadline, io.grpc.ChannelCredentials credentials) {
        ControllerTargets targets = ControllerTargets.parse(addresses);
        return new ControllerChannel(targets.toString(), ControllerChannels.open(targets, credentials), deadline);
    }

    /**
     * The same channel for the Docker side: another deadline for unary calls (it answers Docker within 5 s), and
     * failures worded for a Docker user, who sees them as the plugin's error: {@code controller: ...}, and an
     * UNAVAILABLE one says that the call is safe to retry. The codes are the same.
     */
    ControllerChannel forDocker(Duration other) {
        return new ControllerChannel(address, channel, other, true);
    }

    /** Before a retry loop's next try: connect at once instead of waiting out gRPC's own reconnect backoff. */
    void resetConnectBackoff() {
        channel.resetConnectBackoff();
    }

    String address() {
        return address;
    }

    /** Connects now (a channel connects lazily, on its first call) and waits until it is ready; false on timeout. */
    boolean awaitReady(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        io.grpc.ConnectivityState state = channel.getState(true);
        while (state != io.grpc.ConnectivityState.READY) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            java.util.concurrent.CountDownLatch changed = new java.util.concurrent.CountDownLatch(1);
            channel.notifyWhenStateChanged(state, changed::countDown);
            changed.await(left, java.util.concurrent.TimeUnit.NANOSECONDS);
            state = channel.getState(true);
        }
        return true;
    }

    /** For streams, which have no deadline; their failures go through {@link #translate}. */
    Channel channel() {
        return channel;
    }

    /** One unary FabricService call within the deadline; a failure becomes a {@link AgentException}. */
    <T> T fabric(String what, Function<FabricServiceGrpc.FabricServiceBlockingStub, T> rpc) {
        return call(what, FabricServiceGrpc.newBlockingStub(channel), rpc);
    }

    /** One unary TunnelHealthService call within the deadline; a failure becomes a {@link AgentException}. */
    <T> T tunnels(String what, Function<io.ovsfabric.proto.v1.TunnelHealthServiceGrpc.TunnelHealthServiceBlockingStub, T> rpc) {
        return call(what, io.ovsfabric.proto.v1.TunnelHealthServiceGrpc.newBlockingStub(channel), rpc);
    }

    /** One unary AdminService call within the deadline; a failure becomes a {@link AgentException}. */
    <T> T admin(String what, Function<AdminServiceGrpc.AdminServiceBlockingStub, T> rpc) {
        return call(what, AdminServiceGrpc.newBlockingStub(channel), rpc);
    }

    /**
     * The call, again on the next controller when the one in use was found gone (UNAVAILABLE: connection refused or
     * reset; the channel has moved on by then), all within one deadline. A call that ran out of time is not
     * repeated: the deadline is the caller's bound.
     */
    private <S extends AbstractStub<S>, T> T call(String what, S stub, Function<S, T> rpc) {
        long end = System.nanoTime() + deadline.toNanos();
        for (int attempt = 1; ; attempt++) {
            long left = Math.max(end - System.nanoTime(), 1);
            // A retry waits for a connection (up to RETRY_WAIT): right after the reset the channel is still
            // connecting, and a fail-fast call would be refused before it had a chance.
            S attemptStub = attempt == 1 ? stub.withDeadlineAfter(left, TimeUnit.NANOSECONDS)
                    : stub.withWaitForReady().withDeadlineAfter(Math.min(left, RETRY_WAIT.toNanos()), TimeUnit.NANOSECONDS);
            try {
                return rpc.apply(attemptStub);
            } catch (StatusRuntimeException e) {
                boolean gone = e.getStatus().getCode() == Status.Code.UNAVAILABLE;
                if (!gone || attempt >= MAX_ATTEMPTS || end - System.nanoTime() <= 0) {
                    throw translate(what, e);
                }
                channel.resetConnectBackoff();
            }
        }
    }

    /** The one status table of the agent. */
    static AgentException.Code codeOf(Status.Code code) {
        return switch (code) {
            case UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, CANCELLED -> AgentException.Code.UNAVAILABLE;
            case INVALID_ARGUMENT, OUT_OF_RANGE -> AgentException.Code.INVALID;
            case NOT_FOUND -> AgentException.Code.NOT_FOUND;
            case ALREADY_EXISTS, FAILED_PRECONDITION, RESOURCE_EXHAUSTED -> AgentException.Code.CONFLICT;
            case PERMISSION_DENIED, UNAUTHENTICATED, UNIMPLEMENTED -> AgentException.Code.REFUSED;
            case OK, UNKNOWN, INTERNAL, DATA_LOSS -> AgentException.Code.FAILED;
        };
    }

    AgentException translate(String what, StatusRuntimeException e) {
        return translate(what, e, codeOf(e.getStatus().getCode()));
    }

    AgentException translate(String what, StatusRuntimeException e, AgentException.Code code) {
        Status status = e.getStatus();
        String detail = status.getDescription() != null ? status.getDescription() : status.getCode().toString();
        String message = "cannot " + what + " at controller " + address + " (" + status.getCode() + "): " + detail;
        if (dockerFacing) {
            message = "controller: " + message + (code == AgentException.Code.UNAVAILABLE
                    ? " (is the controller running and reachable? the call is safe to retry)" : "");
        }
        return new AgentException(code, message, e);
    }

    @Override
    public void close() {
        ControllerChannels.close(channel);
    }
}
