package io.ovsfabric.agent.plan;

import java.util.List;

/**
 * A Linux network interface as the kernel shows it.
 *
 * @param kind   link kind ("veth", "bridge", "tun", "" for a plain device)
 * @param peer   the other end of a veth, or null
 * @param master the bridge it is enslaved to, or null
 * @param up     administratively up
 * @param alias  the interface alias (ifalias), or null
 * @param noArp  the kernel does no ARP on it (ip link ... arp off)
 */
public record LinkState(String name, String kind, String peer, String master, int mtu, boolean up, String alias,
        List<InterfaceAddress> addresses, boolean noArp) {

    public LinkState {
        addresses = List.copyOf(addresses);
        kind = kind == null ? "" : kind;
    }

    public LinkState(String name, String kind, String peer, String master, int mtu, boolean up, String alias,
            List<InterfaceAddress> addresses) {
        this(name, kind, peer, master, mtu, up, alias, addresses, false);
    }

    public LinkState withNoArp(boolean value) {
        return new LinkState(name, kind, peer, master, mtu, up, alias, addresses, value);
    }

    public boolean owned() {
        return Ownership.LINK_ALIAS.equals(alias);
    }
}
