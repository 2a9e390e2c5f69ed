package io.ovsfabric.controller;

/**
 * The controller's one exception family. The code says what kind of failure it is (the rpc layer maps it to a gRPC
 * status, nothing else looks at it); the message says what is wrong and what to do next.
 */
public class FabricException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public enum Code {
        /** Input that can never succeed as given. */
        INVALID_ARGUMENT,
        NOT_FOUND,
        /** Someone else holds it (a host id, a name, an address). */
        ALREADY_EXISTS,
        /** The pool is full. */
        RESOURCE_EXHAUSTED,
        /** The request is valid but the current state forbids it (a live host, endpoints attached...). */
        FAILED_PRECONDITION,
        /** Too many concurrent writers won the race; safe to retry. */
        ABORTED,
        /** etcd (or another dependency) cannot be reached; safe to retry later. */
        UNAVAILABLE,
        /** A watch or read asked for a revision etcd has compacted away. */
        COMPACTED,
        INTERNAL
    }

    private final Code code;

    public FabricException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public FabricException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public Code code() {
        return code;
    }
}
