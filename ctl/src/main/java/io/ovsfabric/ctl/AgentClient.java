package io.ovsfabric.ctl;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ovsfabric.proto.v1.AgentDiagnosticsGrpc;
import io.ovsfabric.proto.v1.Host;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One channel to one host's agent diagnostics ({@code UNDERLAY_IP:--agent-port}), with a per-call deadline; a failed
 * call becomes an {@link AgentCallException} that says what to fix.
 */
final class AgentClient implements AutoCloseable {
    static final long DEADLINE_SECONDS = 15;

    /** An agent call that failed; {@code exitCode} is ovsfabricctl's (1 refused, 3 unreachable). */
    static final class AgentCallException extends RuntimeException {
        final int exitCode;

        AgentCallException(int exitCode, String message, Throwable cause) {
            super(message, cause);
            this.exitCode = exitCode;
        }
    }

    private final Host host;
    private final String address;
    private final ManagedChannel channel;

    AgentClient(Host host, int port, ChannelCredentials credentials) {
        this.host = host;
        this.address = host.getUnderlayIp() + ":" + port;
        this.channel = Grpc.newChannelBuilderForAddress(host.getUnderlayIp(), port, credentials).build();
    }

    <T> T call(String what, Function<AgentDiagnosticsGrpc.AgentDiagnosticsBlockingStub, T> body) {
        try {
            return body.apply(AgentDiagnosticsGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS));
        } catch (StatusRuntimeException e) {
            throw explain(what, e);
        }
    }

    private AgentCallException explain(String what, StatusRuntimeException e) {
        Status s = e.getStatus();
        String agent = "the agent of host " + host.getHostId() + " at " + address;
        return switch (s.getCode()) {
            case UNAVAILABLE -> new AgentCallException(CtlMain.UNREACHABLE, "cannot reach " + agent + " for " + what
                    + " (" + cause(s) + "): is the agent running there, with its diagnostics on (--diag-listen,"
                    + " default its underlay IP, port 7071; see --agent-port), and can this machine reach the underlay?",
                    e);
            case UNIMPLEMENTED -> new AgentCallException(CtlMain.UNREACHABLE, agent + " serves no AgentDiagnostics"
                    + " (" + cause(s) + "): it runs an ovsfabric-agent older than this ovsfabricctl, or something else"
                    + " listens there; upgrade the agent", e);
            case DEADLINE_EXCEEDED -> new AgentCallException(CtlMain.UNREACHABLE, agent + " did not answer " + what
                    + " within " + DEADLINE_SECONDS + "s; retry, and check its log", e);
            default -> new AgentCallException(CtlMain.REFUSED, agent + " refused " + what + " (" + s.getCode() + "): "
                    + s.getDescription(), e);
        };
    }

    private static String cause(Status s) {
        if (s.getCause() != null && s.getCause().getMessage() != null) {
            return s.getCause().getMessage();
        }
        return s.getDescription() == null ? s.getCode().toString() : s.getDescription();
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
