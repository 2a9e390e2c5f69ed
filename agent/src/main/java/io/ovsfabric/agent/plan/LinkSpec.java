package io.ovsfabric.agent.plan;

import io.ovsfabric.common.Cidr;
import java.util.List;

/**
 * A Linux link the agent wants.
 *
 * @param kind         how the link comes to exist
 * @param peer         the other end, for a veth
 * @param master       the bridge to enslave it to, or null to leave alone
 * @param mtu          MTU to set, or 0 to leave alone
 * @param markOwned    mark it with the agent's alias when the agent creates it (and adopt a veth of ours)
 * @param addresses    addresses it must carry
 * @param removeIn     addresses inside this range that are not in {@code addresses} are removed; null = none
 * @param txChecksum   TX checksum offload wanted (false on veths attached to a userspace bridge); null = leave alone
 * @param arp          kernel ARP wanted on it (false on the br0 end of a veth, which must never answer for the host's
 *                     addresses); null = leave alone
 * @param peerMac      {@link Kind#SANDBOX_VETH} only: the MAC the container end gets when the pair is created
 */
public record LinkSpec(String name, Kind kind, String peer, String master, int mtu, boolean markOwned,
        List<InterfaceAddress> addresses, Cidr removeIn, Boolean txChecksum, Boolean arp, String peerMac) {

    public LinkSpec(String name, Kind kind, String peer, String master, int mtu, boolean markOwned,
            List<InterfaceAddress> addresses, Cidr removeIn, Boolean txChecksum) {
        this(name, kind, peer, master, mtu, markOwned, addresses, removeIn, txChecksum, null, null);
    }

    public LinkSpec(String name, Kind kind, String peer, String master, int mtu, boolean markOwned,
            List<InterfaceAddress> addresses, Cidr removeIn, Boolean txChecksum, Boolean arp) {
        this(name, kind, peer, master, mtu, markOwned, addresses, removeIn, txChecksum, arp, null);
    }

    /**
     * The host end of a container endpoint's veth pair (arp off: it is only an OVS port; otherwise the host's kernel
     * answers the container's ARP for the gateway, a local address of the host, with this end's MAC). The container
     * end gets the MTU, the MAC and the TX setting when the pair is created; after that Docker owns it.
     */
    public static LinkSpec sandboxVeth(String hostEnd, String containerEnd, String containerMac, int mtu,
            Boolean txChecksum) {
        return new LinkSpec(hostEnd, Kind.SANDBOX_VETH, containerEnd, null, mtu, true, List.of(), null, txChecksum,
                Boolean.FALSE, containerMac);
    }

    public enum Kind {
        /** A Linux bridge the agent creates when missing (docker0). */
        BRIDGE,
        /** A veth pair the agent creates when missing; the spec of the other end has the same pair. */
        VETH,
        /** A device that already exists or that OVS creates (the underlay interface, br-phy's internal port). */
        EXISTING,
        /**
         * The host end of a veth pair whose other end Docker moves into a container's sandbox (and renames): the pair
         * is created when the host end is missing; once the other end is out of sight (in the sandbox) only the host
         * end is kept in line, never the pair recreated for it.
         */
        SANDBOX_VETH
    }

    public LinkSpec {
        addresses = List.copyOf(addresses);
    }
}
