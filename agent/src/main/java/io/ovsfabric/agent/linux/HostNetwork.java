package io.ovsfabric.agent.linux;

import io.ovsfabric.agent.plan.InterfaceAddress;
import io.ovsfabric.agent.plan.LinkState;
import io.ovsfabric.agent.plan.Route;
import java.util.List;
import java.util.Optional;

/**
 * The host's Linux links, addresses and routes. Every method is idempotent: adding what is there and deleting
 * what is absent succeed; any other failure is a {@link CommandFailedException}.
 */
public interface HostNetwork {

    /** Every link with its IPv4 addresses. */
    List<LinkState> links();

    /** Gateway routes of the main table (connected routes come and go with addresses). */
    List<Route> routes();

    /** Whether TX checksum offload is on; empty when the link does not exist. */
    Optional<Boolean> txChecksum(String link);

    /** Creates a Linux bridge, marked with {@code alias} unless null. */
    void createBridge(String name, String alias);

    /** Creates a veth pair, both ends marked with {@code alias} unless null. */
    void createVethPair(String name, String peer, String alias);

    void deleteLink(String name);

    /** Sets the MTU, master and alias that are not null, and brings the link up when {@code up}. */
    void setLink(String name, Integer mtu, boolean up, String master, String alias);

    void setTxChecksum(String link, boolean enabled);

    /** Sets the link's Ethernet address ({@code mac} in colon form). */
    void setMacAddress(String link, String mac);

    /** Turns the kernel's ARP on the link on or off (ip link set dev LINK arp on|off). */
    void setArp(String link, boolean enabled);

    void addAddress(String link, InterfaceAddress address);

    void deleteAddress(String link, InterfaceAddress address);

    void addRoute(Route route);

    void deleteRoute(Route route);
}
