package io.ovsfabric.agent.testing;

import io.ovsfabric.agent.linux.HostNetwork;
import io.ovsfabric.agent.plan.InterfaceAddress;
import io.ovsfabric.agent.plan.LinkState;
import io.ovsfabric.agent.plan.Route;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** In-memory Linux links, addresses and routes, with the kernel's behaviour the data plane relies on. */
public final class FakeHostNetwork implements HostNetwork {
    private final Map<String, LinkState> links = new LinkedHashMap<>();
    private final Map<String, Boolean> tx = new LinkedHashMap<>();
    private final Map<String, Boolean> noArp = new LinkedHashMap<>();
    private final List<Route> routes = new ArrayList<>();
    private final Map<String, String> macs = new LinkedHashMap<>();
    /** Host end -> container end, for veths whose container end is in a sandbox. */
    private final Map<String, String> sandboxed = new LinkedHashMap<>();
    private int commands;

    /** Adds a device as the host had it before the agent (an underlay interface, a foreign link). */
    public FakeHostNetwork device(String name, String kind, int mtu, String alias, InterfaceAddress... addresses) {
        links.put(name, new LinkState(name, kind, null, null, mtu, true, alias, List.of(addresses)));
        tx.put(name, true);
        return this;
    }

    public FakeHostNetwork route(Route route) {
        routes.add(route);
        return this;
    }

    /** Number of changing calls so far (a pass that changes nothing leaves it alone). */
    public int commands() {
        return commands;
    }

    public Optional<LinkState> link(String name) {
        return Optional.ofNullable(links.get(name));
    }

    /** What OVS does when it creates an internal port: a tap device, down, without addresses. */
    void ovsCreated(String name, int mtu) {
        links.putIfAbsent(name, new LinkState(name, "tun", null, null, mtu, false, null, List.of()));
    }

    void ovsRemoved(String name) {
        removeLink(name);
    }

    @Override
    public List<LinkState> links() {
        return links.values().stream().map(l -> l.withNoArp(noArp.getOrDefault(l.name(), false))).toList();
    }

    @Override
    public List<Route> routes() {
        return List.copyOf(routes);
    }

    @Override
    public Optional<Boolean> txChecksum(String link) {
        return links.containsKey(link) ? Optional.of(tx.getOrDefault(link, true)) : Optional.empty();
    }

    @Override
    public void createBridge(String name, String alias) {
        commands++;
        require(!links.containsKey(name), "RTNETLINK answers: File exists");
        links.put(name, new LinkState(name, "bridge", null, null, 1500, false, alias, List.of()));
        tx.put(name, true);
    }

    @Override
    public void createVethPair(String name, String peer, String alias) {
        commands++;
        require(!links.containsKey(name) && !links.containsKey(peer), "RTNETLINK answers: File exists");
        links.put(name, new LinkState(name, "veth", peer, null, 1500, false, alias, List.of()));
        links.put(peer, new LinkState(peer, "veth", name, null, 1500, false, alias, List.of()));
        tx.put(name, true);
        tx.put(peer, true);
    }

    @Override
    public void deleteLink(String name) {
        commands++;
        LinkState link = links.get(name);
        if (link != null && link.peer() != null) {
            removeLink(link.peer());
        }
        removeLink(name);
    }

    @Override
    public void setLink(String name, Integer mtu, boolean up, String master, String alias) {
        commands++;
        LinkState l = existing(name);
        links.put(name, new LinkState(name, l.kind(), l.peer(), master != null ? master : l.master(),
                mtu != null ? mtu : l.mtu(), up || l.up(), alias != null ? alias : l.alias(), l.addresses()));
    }

    @Override
    public void setMacAddress(String link, String mac) {
        commands++;
        existing(link);
        macs.put(link, mac);
    }

    /** The MAC set on a link, or null when the agent never set one. */
    public String mac(String link) {
        return macs.get(link);
    }

    /**
     * What Docker does after Join: moves the container end of a veth into a sandbox (gone from the host's view; the
     * host end's peer is then in another namespace).
     */
    public void moveToSandbox(String name) {
        LinkState moved = existing(name);
        links.remove(name);
        tx.remove(name);
        noArp.remove(name);
        LinkState peer = links.get(moved.peer());
        if (peer != null) {
            links.put(peer.name(), new LinkState(peer.name(), peer.kind(), null, peer.master(), peer.mtu(), peer.up(),
                    peer.alias(), peer.addresses()));
            sandboxed.put(peer.name(), name);
        }
    }

    @Override
    public void setArp(String link, boolean enabled) {
        commands++;
        existing(link);
        noArp.put(link, !enabled);
    }

    /** Whether the kernel's ARP is off on the link. */
    public boolean arpOff(String link) {
        return noArp.getOrDefault(link, false);
    }

    @Override
    public void setTxChecksum(String link, boolean enabled) {
        commands++;
        existing(link);
        tx.put(link, enabled);
    }

    @Override
    public void addAddress(String link, InterfaceAddress address) {
        commands++;
        LinkState l = existing(link);
        if (!l.addresses().contains(address)) {
            List<InterfaceAddress> addresses = new ArrayList<>(l.addresses());
            addresses.add(address);
            links.put(link, new LinkState(link, l.kind(), l.peer(), l.master(), l.mtu(), l.up(), l.alias(), addresses));
        }
    }

    @Override
    public void deleteAddress(String link, InterfaceAddress address) {
        commands++;
        LinkState l = links.get(link);
        if (l == null) {
            return;
        }
        List<InterfaceAddress> addresses = new ArrayList<>(l.addresses());
        addresses.remove(address);
        links.put(link, new LinkState(link, l.kind(), l.peer(), l.master(), l.mtu(), l.up(), l.alias(), addresses));
        // The kernel drops gateway routes that are no longer reachable through the device.
        routes.removeIf(r -> r.device().equals(link) && address.network().contains(r.gateway()));
    }

    @Override
    public void addRoute(Route route) {
        commands++;
        existing(route.device());
        routes.removeIf(r -> r.destination().equals(route.destination()));
        routes.add(route);
    }

    @Override
    public void deleteRoute(Route route) {
        commands++;
        routes.remove(route);
    }

    private void removeLink(String name) {
        links.remove(name);
        macs.remove(name);
        sandboxed.remove(name);   // the kernel deletes the sandbox's end with it
        tx.remove(name);
        noArp.remove(name);
        routes.removeIf(r -> r.device().equals(name));
        links.replaceAll((n, l) -> name.equals(l.master())
                ? new LinkState(n, l.kind(), l.peer(), null, l.mtu(), l.up(), l.alias(), l.addresses()) : l);
    }

    private LinkState existing(String name) {
        LinkState link = links.get(name);
        require(link != null, "Cannot find device \"" + name + "\"");
        return link;
    }

    private static void require(boolean condition, String error) {
        if (!condition) {
            throw new IllegalStateException(error);
        }
    }
}
