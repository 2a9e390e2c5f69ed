package io.ovsfabric.agent.plan;

/**
 * The one unchecked exception family of the agent's data plane. The message says what failed on which
 * bridge/port/link and what to do next; subclasses carry the context of their mechanism (a failed command keeps
 * argv, exit code and stderr).
 */
public class DataPlaneException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DataPlaneException(String message) {
        super(message);
    }

    public DataPlaneException(String message, Throwable cause) {
        super(message, cause);
    }
}
