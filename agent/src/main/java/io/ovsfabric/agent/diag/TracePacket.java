package io.ovsfabric.agent.diag;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.common.Ipv4Address;
import java.util.Locale;
import java.util.Optional;

/**
 * The packet to trace on one host: addresses, protocol and destination port, and, for the continuation on a peer,
 * how it arrives from the tunnel (its GRE key and the sender's underlay address).
 */
public record TracePacket(Ipv4Address source, Ipv4Address destination, Protocol protocol, int destinationPort,
        Optional<TunnelIngress> tunnel) {

    public static final int DEFAULT_PORT = 80;
    /** Source port of traced TCP/UDP packets: any ephemeral port does, no flow matches on it. */
    static final int SOURCE_PORT = 40000;

    public enum Protocol {
        ICMP, TCP, UDP;

        /** "icmp", "tcp", "udp" (any case); "" is icmp. */
        public static Protocol parse(String text) {
            if (text == null || text.isBlank()) {
                return ICMP;
            }
            try {
                return valueOf(text.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new AgentException(AgentException.Code.INVALID, "protocol '" + text + "' is not one of icmp, tcp,"
                        + " udp");
            }
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The packet comes out of the GRE tunnel with this key, sent by the host at {@code source}. */
    public record TunnelIngress(long key, Ipv4Address source) {}

    public TracePacket {
        if (destinationPort < 0 || destinationPort > 65535) {
            throw new AgentException(AgentException.Code.INVALID, "destination port " + destinationPort
                    + " is outside 0-65535");
        }
        if (protocol == Protocol.ICMP && destinationPort != 0) {
            throw new AgentException(AgentException.Code.INVALID, "a destination port needs --proto tcp or udp, not icmp");
        }
        if (protocol != Protocol.ICMP && destinationPort == 0) {
            destinationPort = DEFAULT_PORT;
        }
    }

    /**
     * The flow for ofproto/trace, in ovs-ofctl's syntax, entering by {@code inPort} (a port name); a packet from the
     * tunnel also carries its key, outer source and outer destination ({@code self}, this host's underlay address).
     * The protocol keyword comes first: OVS checks each field's prerequisites in order.
     */
    public String flow(String inPort, Ipv4Address self) {
        StringBuilder flow = new StringBuilder(protocol.label()).append(",in_port=").append(inPort);
        tunnel.ifPresent(t -> flow.append(",tun_id=0x").append(Long.toHexString(t.key()))
                .append(",tun_src=").append(t.source()).append(",tun_dst=").append(self));
        flow.append(",nw_src=").append(source).append(",nw_dst=").append(destination).append(",nw_ttl=64");
        switch (protocol) {
            case ICMP -> flow.append(",icmp_type=8,icmp_code=0");
            case TCP -> flow.append(",tcp_src=").append(SOURCE_PORT).append(",tcp_dst=").append(destinationPort);
            case UDP -> flow.append(",udp_src=").append(SOURCE_PORT).append(",udp_dst=").append(destinationPort);
        }
        return flow.toString();
    }
}
