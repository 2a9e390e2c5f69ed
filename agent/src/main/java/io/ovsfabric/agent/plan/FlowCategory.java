package io.ovsfabric.agent.plan;

/**
 * Why a flow exists; part of its cookie, so {@code ovs-ofctl dump-flows} shows it. {@link #meaning()} says it in a few
 * words for an operator (what {@code ovsfabricctl trace} prints next to a flow).
 */
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
    /** Table 0: tunnelled packets whose outer source (tun_src) is a fabric host's underlay address. */
    TUNNEL_ADMISSION(7, "admitted: GRE from a fabric host"),
    /** Table 0: tunnelled packets from any other sender (GRE injected from the underlay): dropped and counted. */
    FOREIGN_TUNNEL_DROP(8, "dropped: GRE from a sender that is not a fabric host"),
    /** Table 0: IPv4/ARP from a local port with a source that port may not use (spoofing): dropped and counted. */
    SPOOF_DROP(9, "dropped: source address not the sender's own (spoofing)"),
    /** Tables 10/20: docker0 traffic between containers of two hosts while icc is off: dropped and counted. */
    ICC_DROP(10, "dropped: docker0 containers kept apart (icc=false)"),
    /**
     * Tables 10/20 with icc off: between this host's docker0 gateway address and a peer's (host to host, e.g. tunnel
     * health probes), which icc does not stop.
     */
    GATEWAY_TO_GATEWAY(11, "host to host between docker0 gateway addresses (allowed with icc=false)"),
    /** A user-defined network's packets for another network's subnet (or docker0's): networks are isolated. */
    NETWORK_ISOLATION(12, "different network: user-defined networks and docker0 cannot reach each other");

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
