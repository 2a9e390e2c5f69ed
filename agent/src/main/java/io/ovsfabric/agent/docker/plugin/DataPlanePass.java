package io.ovsfabric.agent.docker.plugin;

import io.ovsfabric.agent.AgentException;
/**
 * The data plane as the plugin sees it. The plugin does not plumb: it records what it wants in its state
 * ({@link PluginRuntime#localEndpoints()}, read by every data plane pass without the plugin's lock) and asks for a
 * pass; the data plane makes the veths, br0's ports and the DNAT rules follow.
 */
public interface DataPlanePass {

    /**
     * Runs a data plane pass that starts after this call and waits for it (bounded): on return the host matches the
     * plugin's state as it was at the call.
     *
     * @param why what the pass is for, for messages (e.g. "NetworkDriver.Join of endpoint 1a2b3c")
     * @throws io.ovsfabric.agent.docker.AgentException FAILED when the pass failed, UNAVAILABLE when it did not end
     *                                                   in time
     */
    void applyNow(String why);

    /** Asks for a pass soon, without waiting (after an undo: the next pass removes what a failed one left). */
    void requestSoon();
}
