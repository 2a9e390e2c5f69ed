package io.ovsfabric.agent.linux;

import io.ovsfabric.agent.plan.FilterState;

/** The host's iptables rules. */
public interface PacketFilter {

    /** Every table, chain and rule, as iptables-save prints them. */
    FilterState observe();

    /** Applies an iptables-restore script without flushing other chains; all-or-nothing per table. */
    void restore(String script);
}
