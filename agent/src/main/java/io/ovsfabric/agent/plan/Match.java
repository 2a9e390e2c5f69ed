package io.ovsfabric.agent.plan;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import java.util.ArrayList;
import java.util.List;

/**
 * The match fields ovsfabric's flows use; null means "any". Fields that need a prerequisite carry it
 * ({@link #ipTo} and {@link #ipFrom} set eth_type IPv4, {@link #arpFor} and {@link #arpFrom} set eth_type ARP), so
 * the switch reports back exactly what was installed.
 *
 * @param tunnelSrc the outer source address of a tunnelled packet (Nicira {@code tun_src}): the sending host
 */
public record Match(Integer inPort, Integer ethType, Cidr ipv4Src, Cidr ipv4Dst, Cidr arpSpa, Cidr arpTpa,
        Long tunnelId, Ipv4Address tunnelSrc, Long metadata) {
    public static final int ETH_IPV4 = 0x0800;
    public static final int ETH_ARP = 0x0806;

    public static Match any() {
        return new Match(null, null, null, null, null, null, null, null, null);
    }

    public static Match inPort(int port) {
        return any().withInPort(port);
    }

    public static Match ipTo(Cidr destination) {
        return new Match(null, ETH_IPV4, null, destination, null, null, null, null, null);
    }

    public static Match arpFor(Cidr target) {
        return new Match(null, ETH_ARP, null, null, null, target, null, null, null);
    }

    /** IPv4 with a source inside {@code source}. */
    public static Match ipFrom(Cidr source) {
        return new Match(null, ETH_IPV4, source, null, null, null, null, null, null);
    }

    /** ARP whose sender protocol address (arp_spa) is inside {@code sender}. */
    public static Match arpFrom(Cidr sender) {
        return new Match(null, ETH_ARP, null, null, sender, null, null, null, null);
    }

    /** IPv4 from a source inside {@code source} to a destination inside {@code destination}. */
    public static Match ipBetween(Cidr source, Cidr destination) {
        return new Match(null, ETH_IPV4, source, destination, null, null, null, null, null);
    }

    /** ARP whose sender (arp_spa) is inside {@code sender} and target (arp_tpa) inside {@code target}. */
    public static Match arpBetween(Cidr sender, Cidr target) {
        return new Match(null, ETH_ARP, null, null, sender, target, null, null, null);
    }

    /** Any IPv4 packet. */
    public static Match ip() {
        return new Match(null, ETH_IPV4, null, null, null, null, null, null, null);
    }

    /** Any ARP packet. */
    public static Match arp() {
        return new Match(null, ETH_ARP, null, null, null, null, null, null, null);
    }

    public Match withInPort(int port) {
        return new Match(port, ethType, ipv4Src, ipv4Dst, arpSpa, arpTpa, tunnelId, tunnelSrc, metadata);
    }

    public Match withTunnelId(long id) {
        return new Match(inPort, ethType, ipv4Src, ipv4Dst, arpSpa, arpTpa, id, tunnelSrc, metadata);
    }

    /** Only packets that came through a tunnel from this underlay address. */
    public Match withTunnelSrc(Ipv4Address source) {
        return new Match(inPort, ethType, ipv4Src, ipv4Dst, arpSpa, arpTpa, tunnelId, source, metadata);
    }

    /** The OpenFlow metadata register (the user-defined network a packet belongs to). */
    public Match withMetadata(long value) {
        return new Match(inPort, ethType, ipv4Src, ipv4Dst, arpSpa, arpTpa, tunnelId, tunnelSrc, value);
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
        if (tunnelSrc != null) {
            parts.add("tun_src=" + tunnelSrc);
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
        if (ipv4Src != null) {
            parts.add("nw_src=" + ipv4Src);
        }
        if (ipv4Dst != null) {
            parts.add("nw_dst=" + ipv4Dst);
        }
        if (arpSpa != null) {
            parts.add("arp_spa=" + arpSpa);
        }
        if (arpTpa != null) {
            parts.add("arp_tpa=" + arpTpa);
        }
        return String.join(",", parts);
    }
}
