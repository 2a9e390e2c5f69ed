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
    NETWORK_GATEWAY(6),
    /** Table 0: tunnelled packets whose outer source (tun_src) is a fabric host's underlay address. */
    TUNNEL_ADMISSION(7),
    /** Table 0: tunnelled packets from any other sender (GRE injected from the underlay): dropped and counted. */
    FOREIGN_TUNNEL_DROP(8),
    /** Table 0: IPv4/ARP from a local port with a source that port may not use (spoofing): dropped and counted. */
    SPOOF_DROP(9),
    /** Tables 10/20: docker0 traffic between containers of two hosts while icc is off: dropped and counted. */
    ICC_DROP(10);

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
