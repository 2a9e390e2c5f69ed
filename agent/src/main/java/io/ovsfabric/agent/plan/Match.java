package io.ovsfabric.agent.plan;

import io.ovsfabric.common.Cidr;
import java.util.ArrayList;
import java.util.List;

/**
 * The match fields ovsfabric's flows use; null means "any". Fields that need a prerequisite carry it
 * ({@link #ipTo} sets eth_type IPv4, {@link #arpFor} sets eth_type ARP), so the switch reports back exactly what
 * was installed.
 */
public record Match(Integer inPort, Integer ethType, Cidr ipv4Dst, Cidr arpTpa, Long tunnelId, Long metadata) {
    public static final int ETH_IPV4 = 0x0800;
    public static final int ETH_ARP = 0x0806;

    public static Match any() {
        return new Match(null, null, null, null, null, null);
    }

    public static Match inPort(int port) {
        return new Match(port, null, null, null, null, null);
    }

    public static Match ipTo(Cidr destination) {
        return new Match(null, ETH_IPV4, destination, null, null, null);
    }

    public static Match arpFor(Cidr target) {
        return new Match(null, ETH_ARP, null, target, null, null);
    }

    /** Any IPv4 packet. */
    public static Match ip() {
        return new Match(null, ETH_IPV4, null, null, null, null);
    }

    public Match withTunnelId(long id) {
        return new Match(inPort, ethType, ipv4Dst, arpTpa, id, metadata);
    }

    /** The OpenFlow metadata register (the user-defined network a packet belongs to). */
    public Match withMetadata(long value) {
        return new Match(inPort, ethType, ipv4Dst, arpTpa, tunnelId, value);
    }

    /** In ovs-ofctl's words, e.g. {@code in_port=2,tun_id=0x1}; empty for match-all. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (inPort != null) {
            parts.add("in_port=" + inPort);
        }
        if (tunnelId != null) {
            parts.add("tun_id=0x" + Long.toHexString(tunnelId));
        }
        if (metadata != null) {
            parts.add("metadata=0x" + Long.toHexString(metadata));
        }
        if (ethType != null && ethType == ETH_IPV4) {
            parts.add("ip");
        } else if (ethType != null && ethType == ETH_ARP) {
            parts.add("arp");
        } else if (ethType != null) {
            parts.add("dl_type=0x" + Integer.toHexString(ethType));
        }
        if (ipv4Dst != null) {
            parts.add("nw_dst=" + ipv4Dst);
        }
        if (arpTpa != null) {
            parts.add("arp_tpa=" + arpTpa);
        }
        return String.join(",", parts);
    }
}
