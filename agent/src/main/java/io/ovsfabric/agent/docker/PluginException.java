package io.ovsfabric.agent.docker;

/**
 * The one failure type of the Docker integration (plugin, IPAM, engine sync, plumbing, controller calls).
 * The kind decides how a caller reacts: the plugin protocol turns every kind into an error response, the sync
 * loops retry {@link Kind#UNAVAILABLE} and report the others. Messages say what is wrong and what to do next.
 */
public class PluginException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public enum Kind {
        /** The request is malformed or asks for something unsupported; repeating it cannot succeed. */
        INVALID_REQUEST,
        /** A network, endpoint, pool or address that the call names is not known. */
        NOT_FOUND,
        /** The call contradicts current state (out of order, already in use, name taken). */
        CONFLICT,
        /** A dependency (controller, Docker engine) cannot be reached now; safe to retry later. */
        UNAVAILABLE,
        /** A side effect failed (a command, a file write); the message carries the details. */
        FAILED
    }

    private final Kind kind;

    public PluginException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public PluginException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public static PluginException invalid(String message) {
        return new PluginException(Kind.INVALID_REQUEST, message);
    }

    public static PluginException notFound(String message) {
        return new PluginException(Kind.NOT_FOUND, message);
    }

    public static PluginException conflict(String message) {
        return new PluginException(Kind.CONFLICT, message);
    }

    public static PluginException unavailable(String message, Throwable cause) {
        return new PluginException(Kind.UNAVAILABLE, message, cause);
    }

    public static PluginException failed(String message, Throwable cause) {
        return new PluginException(Kind.FAILED, message, cause);
    }
}
