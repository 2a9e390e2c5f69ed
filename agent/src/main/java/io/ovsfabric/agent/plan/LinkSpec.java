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
 */
public record LinkSpec(String name, Kind kind, String peer, String master, int mtu, boolean markOwned,
        List<InterfaceAddress> addresses, Cidr removeIn, Boolean txChecksum, Boolean arp) {

    public LinkSpec(String name, Kind kind, String peer, String master, int mtu, boolean markOwned,
            List<InterfaceAddress> addresses, Cidr removeIn, Boolean txChecksum) {
        this(name, kind, peer, master, mtu, markOwned, addresses, removeIn, txChecksum, null);
    }

    public enum Kind {
        /** A Linux bridge the agent creates when missing (docker0). */
        BRIDGE,
        /** A veth pair the agent creates when missing; the spec of the other end has the same pair. */
        VETH,
        /** A device that already exists or that OVS creates (the underlay interface, br-phy's internal port). */
        EXISTING
    }

    public LinkSpec {
        addresses = List.copyOf(addresses);
    }
}
