package io.ovsfabric.agent.plan;

/** Why a flow exists; part of its cookie, so {@code ovs-ofctl dump-flows} shows it. */
public enum FlowCategory {
    /** Table 0: sorts packets by where they came from. */
    CLASSIFIER(1, "classifier: sorts the packet by the port it came in on (and the GRE key of a tunnel)"),
    /** Tunnel to local port: delivery of this host's subnet. */
    LOCAL_DELIVERY(2, "delivery to a container port on this host"),
    /** Local port to tunnel: one pair of flows (IP, ARP) per peer. */
    PEER_TUNNEL(3, "to the peer host that holds the destination, through the GRE tunnel"),
    /** Lowest-priority drops: nothing unknown is flooded. */
    DEFAULT_DROP(4, "default drop: no flow knows this destination here (no such container, or not on this host)"),
    /** The underlay bridge's NORMAL switching. */
    UNDERLAY(5, "underlay bridge: normal switching of the host's own traffic"),
    /** A user-defined network's traffic to and from its gateway port on this host. */
    NETWORK_GATEWAY(6, "to the network's gateway port: the host routes it (DNS, the outside)"),
    /** A user-defined network's packets for another network's subnet (or docker0's): networks are isolated. */
    NETWORK_ISOLATION(7, "different network: user-defined networks and docker0 cannot reach each other");

    private final int code;
    private final String meaning;

    FlowCategory(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    /** What a flow of this category does, in words for an operator (shown by {@code ovsfabricctl trace}). */
    public String meaning() {
        return meaning;
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
