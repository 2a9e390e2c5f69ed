package io.ovsfabric.agent.plan;

import io.ovsfabric.agent.AgentException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which OVS interface type the agent gives the Linux devices it attaches to a bridge: the underlay interface (on
 * br-phy) and the docker0 link (ofx-br0 on br0). Pure: the inputs are what vswitchd says it supports
 * ({@code Open_vSwitch.iface_types}), the port's MTU, and the ports vswitchd already refused AF_XDP on (in this run
 * of the agent or, as the port's {@link Ownership#AFXDP_REFUSED_KEY} says, in an earlier one).
 *
 * <p>On the kernel datapath every device is a kernel vport ({@code ""}). On the userspace datapath, {@code ""} means
 * an AF_PACKET socket per port, read by vswitchd's main thread: its receive buffer (the netns's rmem_default,
 * 208 KiB) overflows under one TCP stream, and those drops are where the retransmits of the userspace path came
 * from (docs/dataplane.md, "Performance"). AF_XDP without PMD threads ({@code afxdp-nonpmd}, native XDP mode) reads
 * frames from an XDP socket's rings instead, and was measured faster. With PMD threads ({@code afxdp}) it is faster
 * still, but a PMD thread polls, so it is chosen only when the operator asks ({@code --port-type afxdp-pmd}), and
 * then with vswitchd's load-based sleep ({@code pmd-maxsleep}, {@link #PMD_MAX_SLEEP_US}) so that an idle PMD
 * does not hold a whole core: pure busy polling halved the kernel's own throughput on a 2-core host. XDP on a veth (and on most NIC drivers without multi-buffer XDP)
 * refuses an MTU above about 3,500 bytes, so a jumbo port keeps AF_PACKET.
 */
public final class PortTypes {
    /** The largest MTU the agent gives AF_XDP: a page (4096) minus XDP headroom (256), Ethernet (14) and skb_shared_info (320), rounded down. */
    public static final int AFXDP_MAX_MTU = 3498;
    public static final String AFXDP_NONPMD = "afxdp-nonpmd";
    public static final String AFXDP_PMD = "afxdp";
    /** Open_vSwitch other_config:pmd-maxsleep the agent sets with --port-type afxdp-pmd (microseconds). */
    public static final int PMD_MAX_SLEEP_US = 50;

    private PortTypes() {}

    /** What the operator allows ({@code --port-type}). */
    public enum Policy {
        /** AF_XDP without PMD threads where the userspace datapath supports it and the MTU fits, else AF_PACKET. */
        AUTO("auto"),
        /** Always a plain Linux device (AF_PACKET on the userspace datapath). */
        AFPACKET("afpacket"),
        /** As AUTO, but AF_XDP with PMD threads (polling, with load-based sleep): more throughput, some latency and CPU. */
        AFXDP_PMD("afxdp-pmd");

        private final String cliName;

        Policy(String cliName) {
            this.cliName = cliName;
        }

        public static Policy parse(String text) {
            String wanted = bare(text == null ? "" : text);
            for (Policy p : values()) {
                if (bare(p.cliName).equals(wanted)) {
                    return p;
                }
            }
            throw AgentException.invalid("port type '" + text + "' is not one of auto, afpacket, afxdp-pmd");
        }

        private static String bare(String name) {
            return name.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        }

        @Override
        public String toString() {
            return cliName;
        }
    }

    /**
     * A port's type, its options and why.
     *
     * @param type    OVSDB Interface.type ("" = a plain Linux device)
     * @param reason  one sentence for the log
     * @param refusal why vswitchd refused AF_XDP on the port, when that is why it is AF_PACKET; "" otherwise
     */
    public record Choice(String type, Map<String, String> options, String reason, String refusal) {
        public Choice {
            options = Map.copyOf(options);
            refusal = refusal == null ? "" : refusal;
        }

        public Choice(String type, Map<String, String> options, String reason) {
            this(type, options, reason, "");
        }

        /**
         * The port's external_ids: {@code marks}, plus the refusal ({@link Ownership#AFXDP_REFUSED_KEY}) when there
         * is one, kept in OVSDB so that the next run of the agent finds it.
         */
        public Map<String, String> portIds(Map<String, String> marks) {
            if (refusal.isEmpty()) {
                return marks;
            }
            Map<String, String> ids = new java.util.HashMap<>(marks);
            ids.put(Ownership.AFXDP_REFUSED_KEY, refusal);
            return Map.copyOf(ids);
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

    /**
     * The type for a container's port on a user network. AF_PACKET unless the operator chose PMD threads
     * (their overruns are what keeps a user network at 0.07x of VXLAN, AF_XDP gave 0.21x): adding an AF_XDP port
     * reconfigures the datapath, and a container starting is an everyday event. Measured on the lab: pings 10 ms
     * apart on a docker0 tunnel lost 3 of 600 while three containers started on the peer with afxdp-pmd, 0 with auto
     * (docs/dataplane.md); afxdp-nonpmd endpoint ports had lost pings in the fault suite.
     */
    public static Choice chooseEndpoint(Offer offer, String port, int mtu) {
        if (offer.policy() != Policy.AFXDP_PMD) {
            return new Choice("", Map.of(), "AF_PACKET: container ports get AF_XDP only with --port-type afxdp-pmd");
        }
        return choose(offer, port, mtu);
    }

    /** The type for a Linux device {@code port} with MTU {@code mtu} (0 = unknown) attached to a bridge. */
    public static Choice choose(Offer offer, String port, int mtu) {
        if (offer.mode() != DatapathMode.NETDEV) {
            return new Choice("", Map.of(), "the kernel datapath attaches devices as kernel vports");
        }
        if (offer.policy() == Policy.AFPACKET) {
            return new Choice("", Map.of(), "AF_PACKET: --port-type afpacket");
        }
        String type = offer.policy() == Policy.AFXDP_PMD ? AFXDP_PMD : AFXDP_NONPMD;
        if (!offer.interfaceTypes().contains(type)) {
            return new Choice("", Map.of(), "AF_PACKET: this ovs-vswitchd has no AF_XDP (Open_vSwitch.iface_types lacks "
                    + type + ")");
        }
        if (mtu > AFXDP_MAX_MTU) {
            return new Choice("", Map.of(), "AF_PACKET: MTU " + mtu + " is above what XDP takes (" + AFXDP_MAX_MTU + ")");
        }
        String refusal = offer.refused().get(port);
        if (refusal != null) {
            return new Choice("", Map.of(), "AF_PACKET: ovs-vswitchd refused AF_XDP on " + port + ": " + refusal
                    + " (remembered in the port's external_ids:" + Ownership.AFXDP_REFUSED_KEY + ")", refusal);
        }
        String fits = "ovs-vswitchd supports it and MTU " + (mtu > 0 ? mtu : "?") + " fits";
        return new Choice(type, Map.of("xdp-mode", "native"), offer.policy() == Policy.AFXDP_PMD
                ? "AF_XDP with PMD threads (--port-type afxdp-pmd, pmd-maxsleep " + PMD_MAX_SLEEP_US + " us): " + fits
                : "AF_XDP without PMD threads: " + fits);
    }
}
