package io.ovsfabric.agent.plan;

/**
 * Why a flow exists; part of its cookie, so {@code ovs-ofctl dump-flows} shows it. {@link #meaning()} says it in a few
 * words for an operator (what {@code ovsfabricctl trace} prints next to a flow).
 */
public enum FlowCategory {
    /** Table 0: sorts packets by where they came from. */
    CLASSIFIER(1, "admitted: sorted by where it came from"),
    /** Tunnel to local port: delivery of this host's subnet. */
    LOCAL_DELIVERY(2, "delivered to a local container"),
    /** Local port to tunnel: one pair of flows (IP, ARP) per peer. */
    PEER_TUNNEL(3, "sent through the tunnel to the peer that owns the address"),
    /** Lowest-priority drops: nothing unknown is flooded. */
    DEFAULT_DROP(4, "dropped: no flow wants it (nothing is flooded)"),
    /** The underlay bridge's NORMAL switching. */
    UNDERLAY(5, "underlay switching"),
    /** A user-defined network's traffic to and from its gateway port on this host. */
    NETWORK_GATEWAY(6, "to or from the network's gateway port (routed by the host)"),
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
    GATEWAY_TO_GATEWAY(11, "host to host between docker0 gateway addresses (allowed with icc=false)");

    private final int code;
    private final String meaning;

    FlowCategory(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    /** A short human meaning, e.g. "dropped: GRE from a sender that is not a fabric host". */
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
