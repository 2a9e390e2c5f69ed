package io.ovsfabric.agent.openflow;

import io.ovsfabric.agent.plan.DataPlaneException;

/** The switch refused a flow change, or its management socket could not be used. */
public class OpenFlowException extends DataPlaneException {
    private static final long serialVersionUID = 1L;

    public OpenFlowException(String message) {
        super(message);
    }

    public OpenFlowException(String message, Throwable cause) {
        super(message, cause);
    }
}
