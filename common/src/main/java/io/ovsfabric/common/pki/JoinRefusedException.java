package io.ovsfabric.common.pki;

/**
 * A join that is refused. {@link #reason()} is for the controller's log (with the token id and the caller's
 * address); the caller should be told only that the token was refused, so that it cannot probe which tokens exist.
 */
public final class JoinRefusedException extends PkiException {
    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** No record with that id (the store's lookup found none). */
        UNKNOWN_TOKEN,
        WRONG_SECRET,
        EXPIRED,
        USED_UP,
        /** The token is bound to another host than the one asking to join. */
        WRONG_HOST,
        /** The token is bound to no host and the agent did not say which host it is. */
        HOST_REQUIRED
    }

    private final Reason reason;
    private final String tokenId;

    public JoinRefusedException(Reason reason, String tokenId, String message) {
        super("join token " + tokenId + " refused (" + reason + "): " + message);
        this.reason = reason;
        this.tokenId = tokenId;
    }

    public Reason reason() {
        return reason;
    }

    public String tokenId() {
        return tokenId;
    }
}
