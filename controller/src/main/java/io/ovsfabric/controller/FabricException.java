package io.ovsfabric.controller;

import io.ovsfabric.common.InvalidInputException;

/**
 * The controller's one exception family. The {@link Code} is the contract: it says what kind of failure this is and
 * so what a caller may do about it, and callers that branch on a failure branch on the code, never on the message
 * or on the type of a cause (the lease refresh treats {@link Code#NOT_FOUND} as "register again", the topology feed
 * answers {@link Code#COMPACTED} with a fresh snapshot, start-up retries {@link Code#UNAVAILABLE}). The message says
 * what is wrong and what to do next; it is shown to operators as is. Only {@code rpc.GrpcErrors} turns codes into
 * gRPC statuses.
 *
 * <p>Bad input found by the pure parsers is common's {@link InvalidInputException} (shared with the agent); it is the
 * {@link Code#INVALID} member of this family: {@link #codeOf(Throwable)} classifies both.
 */
public class FabricException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What kind of failure, and what the caller may do. */
    public enum Code {
        /** Input that can never succeed as given: fix the request. */
        INVALID,
        /** The thing asked for does not exist (an unknown host or network, an expired lease). */
        NOT_FOUND,
        /** Someone else holds it (a host id, a name, an address, an overlapping subnet). */
        CONFLICT,
        /** The request is valid but the current state forbids it (a live host, endpoints attached, an MTU). */
        REFUSED,
        /** The pool is full. */
        EXHAUSTED,
        /** Other writers kept winning the same compare-and-set race; nothing was written, safe to retry. */
        CONTENDED,
        /** etcd (or another dependency) cannot be reached; safe to retry later. */
        UNAVAILABLE,
        /** A watch or read asked for a revision etcd has compacted away: start over from a fresh read. */
        COMPACTED,
        /** A bug or corrupt stored data: an operator must look. */
        INTERNAL,
        /** The caller's identity may not do this (a host acting for another host, a host calling an admin RPC). */
        DENIED;

        /** Whether repeating the same request later may succeed without changing it. */
        public boolean retryable() {
            return this == CONTENDED || this == UNAVAILABLE;
        }
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

    /** The code of any failure of the controller's own code: INVALID for bad input, INTERNAL for anything unexpected. */
    public static Code codeOf(Throwable error) {
        if (error instanceof FabricException fabric) {
            return fabric.code();
        }
        if (error instanceof InvalidInputException) {
            return Code.INVALID;
        }
        return Code.INTERNAL;
    }
}
