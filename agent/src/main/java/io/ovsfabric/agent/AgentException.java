package io.ovsfabric.agent;

import io.ovsfabric.common.InvalidInputException;

/**
 * The agent's one unchecked exception family. The {@link Code} is the contract: callers that branch on a failure
 * branch on the code, never on the message or the type of a cause (the runtime registers again on
 * {@link Code#LEASE_LOST}, the engine sync retries {@link Code#UNAVAILABLE}). The message says what failed on which
 * host, bridge, port, network or controller, and what to do next; it is shown to operators and to Docker as is.
 *
 * <p>Only the edges translate: {@code rpc.ControllerChannel} turns gRPC statuses into codes (its one table), the
 * plugin protocol ({@code docker.protocol}) turns a failure into Docker's JSON error, the CLI into a message and an
 * exit code. Subclasses exist only where they carry context of their own ({@code linux.CommandFailedException}
 * keeps argv, exit code and stderr). Bad input found by common's pure parsers ({@code Cidr}, {@code HostId},
 * {@code TunnelKey}) is common's {@link InvalidInputException}, shared with the controller; it is the
 * {@link Code#INVALID} member of this family: {@link #codeOf(Throwable)} classifies both.
 */
public class AgentException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What kind of failure, and so what a caller may do about it. */
    public enum Code {
        /** The input or request is malformed, out of range or unsupported: repeating it cannot succeed. */
        INVALID,
        /** A host, network, endpoint, pool, address or container that the call names is not known. */
        NOT_FOUND,
        /** The call contradicts current state (a name, address or subnet taken, out of order, a pool exhausted,
         *  a state dir or socket held by another agent). */
        CONFLICT,
        /** The controller will not do this for this caller (permission, unimplemented): an operator must act. */
        REFUSED,
        /** A dependency (the controller, its etcd, the Docker engine, OVS) cannot be reached now or did not answer in
         *  time: safe to retry later. */
        UNAVAILABLE,
        /** The host's lease expired or is unknown to the controller: register again. */
        LEASE_LOST,
        /** A side effect failed (a command, an OVSDB transaction, a flow change, a file write), or a dependency
         *  answered with something unusable; the message carries the details. */
        FAILED;

        /** Whether an operator has to change something (flags, names, the plan) before a retry can succeed. */
        public boolean operatorMustAct() {
            return this == INVALID || this == CONFLICT || this == REFUSED;
        }
    }

    private final Code code;

    public AgentException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public AgentException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** A failed side effect ({@link Code#FAILED}), the data plane's usual failure. */
    public AgentException(String message) {
        this(Code.FAILED, message);
    }

    /** A failed side effect ({@link Code#FAILED}) with its cause. */
    public AgentException(String message, Throwable cause) {
        this(Code.FAILED, message, cause);
    }

    public Code code() {
        return code;
    }

    /**
     * Waits for an OVS adapter's answer (OVSDB, OpenFlow): an interrupt, a failed answer or none within
     * {@code timeout} becomes one of this family naming {@code what} and the {@code peer} that did not answer.
     * {@code onFailure} runs before a failed answer is thrown, {@code onNoAnswer} before a timeout is (an adapter
     * closes its connection there, so the next call reconnects).
     */
    public static <T> T await(java.util.concurrent.Future<T> future, java.time.Duration timeout, String what,
            String peer, Runnable onFailure, Runnable onNoAnswer) {
        try {
            return future.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentException(what + ": interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            onFailure.run();
            throw e.getCause() instanceof AgentException of ? of : new AgentException(what + ": " + e.getCause(), e);
        } catch (java.util.concurrent.TimeoutException e) {
            onNoAnswer.run();
            throw new AgentException(what + ": no answer from " + peer + " within " + timeout.toSeconds() + "s", e);
        }
    }

    /** The code of any failure: INVALID for common's bad input, FAILED for anything unexpected. */
    public static Code codeOf(Throwable error) {
        if (error instanceof AgentException agent) {
            return agent.code();
        }
        if (error instanceof InvalidInputException) {
            return Code.INVALID;
        }
        return Code.FAILED;
    }

    public static AgentException invalid(String message) {
        return new AgentException(Code.INVALID, message);
    }

    public static AgentException notFound(String message) {
        return new AgentException(Code.NOT_FOUND, message);
    }

    public static AgentException conflict(String message) {
        return new AgentException(Code.CONFLICT, message);
    }

    public static AgentException unavailable(String message, Throwable cause) {
        return new AgentException(Code.UNAVAILABLE, message, cause);
    }

    public static AgentException failed(String message, Throwable cause) {
        return new AgentException(Code.FAILED, message, cause);
    }
}
