package io.ovsfabric.agent.rpc;

/** A controller call failed. {@link #kind()} tells the caller whether to retry, re-register or give up. */
public final class ControllerException extends RuntimeException {

    public enum Kind {
        /** The controller (or its etcd) cannot be reached now: retry with backoff, keep the last topology. */
        UNAVAILABLE,
        /** The host's lease expired or is unknown: register again. */
        LEASE_LOST,
        /** The controller refused the request (bad input, host id taken, pool exhausted): an operator must act. */
        REFUSED,
        /** The thing asked for does not exist. */
        NOT_FOUND
    }

    private final Kind kind;

    public ControllerException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
