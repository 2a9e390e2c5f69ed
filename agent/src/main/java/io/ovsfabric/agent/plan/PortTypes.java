package io.ovsfabric.agent.plan;

import io.ovsfabric.agent.AgentException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which OVS interface type the agent gives the Linux devices it attaches to a bridge: the underlay interface (on
 * br-phy) and the docker0 link (ofx-br0 on br0). Pure: the inputs are what vswitchd says it supports
 * ({@code Open_vSwitch.iface_types}), the port's MTU, and the ports vswitchd already refused AF_XDP on.
 *
 * <p>On the kernel datapath every device is a kernel vport ({@code ""}). On the userspace datapath, {@code ""} means
 * an AF_PACKET socket per port, read by vswitchd's main thread: its receive buffer (the netns's rmem_default,
 * 208 KiB) overflows under one TCP stream, and those drops are where the retransmits of the userspace path came
 * from (docs/dataplane.md, "Performance"). AF_XDP without PMD threads ({@code afxdp-nonpmd}, native XDP mode) reads
 * frames from an XDP socket's rings instead, and was measured faster; with PMD threads ({@code afxdp}) busy polling
 * starves a small host, so it is never chosen. XDP on a veth (and on most NIC drivers without multi-buffer XDP)
 * refuses an MTU above about 3,500 bytes, so a jumbo port keeps AF_PACKET.
 */
public final class PortTypes {
    /** The largest MTU the agent gives AF_XDP: a page (4096) minus XDP headroom (256), Ethernet (14) and skb_shared_info (320), rounded down. */
    public static final int AFXDP_MAX_MTU = 3498;
    public static final String AFXDP_NONPMD = "afxdp-nonpmd";

    private PortTypes() {}

    /** What the operator allows ({@code --port-type}). */
    public enum Policy {
        /** AF_XDP where the userspace datapath supports it and the MTU fits, else AF_PACKET. */
        AUTO,
        /** Always a plain Linux device (AF_PACKET on the userspace datapath). */
        AFPACKET;

        public static Policy parse(String text) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT).replace("-", "").replace("_", ""));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw AgentException.invalid("port type '" + text + "' is not one of auto, afpacket");
            }
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A port's type, its options and why.
     *
     * @param type    OVSDB Interface.type ("" = a plain Linux device)
     * @param reason  one sentence for the log
     */
    public record Choice(String type, Map<String, String> options, String reason) {
        public Choice {
            options = Map.copyOf(options);
        }

        public boolean afxdp() {
            return type.startsWith("afxdp");
        }

        /** "afxdp-nonpmd (xdp-mode native)", or "system (...)" for a plain device. */
        public String label() {
            return afxdp() ? type + " (xdp-mode " + options.getOrDefault("xdp-mode", "?") + ")"
                    : type.isEmpty() ? "system (AF_PACKET on the userspace datapath)" : type;
        }
    }

    /**
     * What the host offers for the choice: the resolved datapath, the operator's policy, vswitchd's interface types
     * and the ports on which vswitchd refused AF_XDP (port name to its {@code Interface.error}).
     */
    public record Offer(DatapathMode mode, Policy policy, Set<String> interfaceTypes, Map<String, String> refused) {
        public Offer {
            interfaceTypes = Set.copyOf(interfaceTypes);
            refused = Map.copyOf(refused);
        }

        /** Plain devices only: what a data plane uses before it has asked vswitchd (and in tests). */
        public static Offer plain(DatapathMode mode) {
            return new Offer(mode, Policy.AFPACKET, Set.of(), Map.of());
        }

        public Offer withRefused(Map<String, String> ports) {
            return new Offer(mode, policy, interfaceTypes, ports);
        }
    }

    /** The type for a Linux device {@code port} with MTU {@code mtu} (0 = unknown) attached to a bridge. */
    public static Choice choose(Offer offer, String port, int mtu) {
        if (offer.mode() != DatapathMode.NETDEV) {
            return new Choice("", Map.of(), "the kernel datapath attaches devices as kernel vports");
        }
        if (offer.policy() == Policy.AFPACKET) {
            return new Choice("", Map.of(), "AF_PACKET: --port-type afpacket");
        }
        if (!offer.interfaceTypes().contains(AFXDP_NONPMD)) {
            return new Choice("", Map.of(), "AF_PACKET: this ovs-vswitchd has no AF_XDP (Open_vSwitch.iface_types lacks "
                    + AFXDP_NONPMD + ")");
        }
        if (mtu > AFXDP_MAX_MTU) {
            return new Choice("", Map.of(), "AF_PACKET: MTU " + mtu + " is above what XDP takes (" + AFXDP_MAX_MTU + ")");
        }
        String refusal = offer.refused().get(port);
        if (refusal != null) {
            return new Choice("", Map.of(), "AF_PACKET: ovs-vswitchd refused AF_XDP on " + port + ": " + refusal);
        }
        return new Choice(AFXDP_NONPMD, Map.of("xdp-mode", "native"),
                "AF_XDP without PMD threads: ovs-vswitchd supports it and MTU " + (mtu > 0 ? mtu : "?") + " fits");
    }
}
