package io.ovsfabric.agent.diag;

import java.util.Map;

/** OVS's own view of a bridge, for tracing: {@code ofproto/trace} and the port table. */
public interface BridgeTracer {
    /**
     * The text {@code ovs-appctl ofproto/trace BRIDGE FLOW} prints.
     *
     * @throws io.ovsfabric.agent.AgentException INVALID with OVS's own message when OVS refuses the flow,
     *                                           UNAVAILABLE when ovs-vswitchd does not answer
     */
    String trace(String bridge, String flow);

    /** OpenFlow port number to name on the bridge. */
    Map<Integer, String> ports(String bridge);
}
