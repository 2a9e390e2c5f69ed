package io.ovsfabric.agent.plan;

/** Why a flow exists; part of its cookie, so {@code ovs-ofctl dump-flows} shows it. */
public enum FlowCategory {
    /** Table 0: sorts packets by where they came from. */
    CLASSIFIER(1),
    /** Tunnel to local port: delivery of this host's subnet. */
    LOCAL_DELIVERY(2),
    /** Local port to tunnel: one pair of flows (IP, ARP) per peer. */
    PEER_TUNNEL(3),
    /** Lowest-priority drops: nothing unknown is flooded. */
    DEFAULT_DROP(4),
    /** The underlay bridge's NORMAL switching. */
    UNDERLAY(5),
    /** A user-defined network's traffic to and from its gateway port on this host. */
    NETWORK_GATEWAY(6);

    private final int code;

    FlowCategory(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static FlowCategory ofCode(int code) {
        for (FlowCategory category : values()) {
            if (category.code == code) {
                return category;
            }
        }
        throw new IllegalArgumentException("no flow category " + code);
    }
}
