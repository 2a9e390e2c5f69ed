package io.ovsfabric.agent.rpc;

/**
 * A controller call failed. {@link #kind()} tells the caller whether to retry, re-register or give up; the kinds
 * come from one table ({@link ControllerChannel}), whatever the call.
 */
public final class ControllerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public enum Kind {
        /** The controller (or its etcd) cannot be reached now, or the call timed out: safe to retry with backoff. */
        UNAVAILABLE,
        /** The host's lease expired or is unknown: register again. */
        LEASE_LOST,
        /** The request is malformed or out of range: repeating it cannot succeed. */
        INVALID,
        /** The thing asked for does not exist. */
        NOT_FOUND,
        /** The request contradicts what the controller holds (name or address taken, pool exhausted, host id taken
         *  from another address). */
        CONFLICT,
        /** The controller will not do this for this caller (permission, unimplemented): an operator must act. */
        REFUSED,
        /** The controller failed internally, or answered with something unusable. */
        FAILED;

        /** Whether repeating the same call later may succeed without anyone acting. */
        public boolean retryable() {
            return this == UNAVAILABLE;
        }

        /** Whether an operator has to change something (flags, names, the plan) before a retry can succeed. */
        public boolean operatorMustAct() {
            return this == INVALID || this == CONFLICT || this == REFUSED;
        }
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
