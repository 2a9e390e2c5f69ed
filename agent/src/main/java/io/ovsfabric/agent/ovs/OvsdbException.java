package io.ovsfabric.agent.ovs;

import io.ovsfabric.agent.plan.DataPlaneException;

/** OVSDB refused a transaction, could not be reached, or vswitchd could not apply a change. */
public class OvsdbException extends DataPlaneException {
    private static final long serialVersionUID = 1L;

    public OvsdbException(String message) {
        super(message);
    }

    public OvsdbException(String message, Throwable cause) {
        super(message, cause);
    }
}
