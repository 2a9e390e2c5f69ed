package io.ovsfabric.common.pki;

/**
 * A certificate, key, request or token that cannot be read, written, issued or accepted. The message names the file
 * or the identity concerned and, where an operator can act, what to do.
 */
public class PkiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PkiException(String message) {
        super(message);
    }

    public PkiException(String message, Throwable cause) {
        super(message, cause);
    }
}
