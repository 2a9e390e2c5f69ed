package io.ovsfabric.controller.web;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.model.EndpointRecord;
import io.ovsfabric.controller.model.FabricPlan;
import io.ovsfabric.controller.model.HostState;
import io.ovsfabric.controller.model.HostView;
import io.ovsfabric.controller.model.NetworkRecord;
import io.ovsfabric.controller.topology.TopologyChange;
import io.ovsfabric.controller.topology.TopologyEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The fabric as the page shows it (pure, not thread-safe): follows the topology feed's snapshots and deltas, turns
 * what changed into a bounded list of recent events, and renders a {@link PageView} with each tunnel's health.
 */
final class PageModel {
    /** Recent events kept (older ones fall off). */
    static final int MAX_EVENTS = 50;
    /** Up to this many tunnelling hosts every tunnel is listed; past it only the ones with a health report or broken. */
    static final int MAX_FULL_MESH_HOSTS = 100;

    private final Map<HostId, HostView> hosts = new TreeMap<>();
    private final Map<String, NetworkRecord> networks = new TreeMap<>();
    private final Map<String, EndpointRecord> endpoints = new TreeMap<>();   // by network id and endpoint id
    private final Deque<PageEvent> events = new ArrayDeque<>();
    private FabricPlan plan;
    private long revision;
    private boolean loaded;

    long revision() {
        return revision;
    }

    /** Applies one feed event; a snapshot after the first is applied as the difference to what was shown. */
    void apply(TopologyEvent event, long nowMs) {
        if (event.isSnapshot()) {
            applySnapshot(event, nowMs);
        } else {
            event.changes().forEach(c -> applyChange(c, nowMs));
        }
        revision = event.revision();
    }

    private void applySnapshot(TopologyEvent event, long nowMs) {
        TopologyEvent.Snapshot s = event.snapshot();
        plan = s.plan();
        if (!loaded) {
            s.hosts().forEach(h -> hosts.put(h.record().hostId(), h));
            s.networks().forEach(n -> networks.put(n.id(), n));
            s.endpoints().forEach(e -> endpoints.put(key(e.networkId(), e.endpointId()), e));
            loaded = true;
            record(nowMs, "info", "following the topology from revision " + event.revision() + ": " + s.hosts().size()
                    + " host(s), " + s.networks().size() + " network(s), " + s.endpoints().size() + " endpoint(s)");
            return;
        }
        List<TopologyChange> diff = new ArrayList<>();
        Map<HostId, HostView> newHosts = new HashMap<>();
        s.hosts().forEach(h -> newHosts.put(h.record().hostId(), h));
        hosts.keySet().stream().filter(id -> !newHosts.containsKey(id)).map(TopologyChange.HostRemoved::new).forEach(diff::add);
        s.hosts().stream().filter(h -> !h.equals(hosts.get(h.record().hostId()))).map(TopologyChange.HostUpserted::new)
                .forEach(diff::add);
        Map<String, NetworkRecord> newNetworks = new HashMap<>();
        s.networks().forEach(n -> newNetworks.put(n.id(), n));
        networks.keySet().stream().filter(id -> !newNetworks.containsKey(id)).map(TopologyChange.NetworkRemoved::new)
                .forEach(diff::add);
        s.networks().stream().filter(n -> !n.equals(networks.get(n.id()))).map(TopologyChange.NetworkUpserted::new)
                .forEach(diff::add);
        Map<String, EndpointRecord> newEndpoints = new HashMap<>();
        s.endpoints().forEach(e -> newEndpoints.put(key(e.networkId(), e.endpointId()), e));
        endpoints.entrySet().stream().filter(e -> !newEndpoints.containsKey(e.getKey()))
                .map(e -> new TopologyChange.EndpointRemoved(e.getValue().networkId(), e.getValue().endpointId()))
                .forEach(diff::add);
        s.endpoints().stream().filter(e -> !e.equals(endpoints.get(key(e.networkId(), e.endpointId()))))
                .map(TopologyChange.EndpointUpserted::new).forEach(diff::add);
        diff.forEach(c -> applyChange(c, nowMs));
    }

    private void applyChange(TopologyChange change, long nowMs) {
        if (change instanceof TopologyChange.HostUpserted u) {
            HostView after = u.host();
            HostView before = hosts.put(after.record().hostId(), after);
            hostEvent(before, after, nowMs);
        } else if (change instanceof TopologyChange.HostRemoved r) {
            HostView before = hosts.remove(r.hostId());
            if (before != null) {
                record(nowMs, "host-removed", r.hostId() + " removed: its subnet " + before.record().subnet()
                        + " is free again");
            }
        } else if (change instanceof TopologyChange.NetworkUpserted u) {
            NetworkRecord before = networks.put(u.network().id(), u.network());
            if (before == null) {
                NetworkRecord n = u.network();
                record(nowMs, "network-new", "network " + n.name() + " created: " + n.subnet() + ", GRE key "
                        + n.tunnelKey());
            }
        } else if (change instanceof TopologyChange.NetworkRemoved r) {
            NetworkRecord before = networks.remove(r.networkId());
            if (before != null) {
                record(nowMs, "network-removed", "network " + before.name() + " (" + before.subnet() + ") removed");
            }
        } else if (change instanceof TopologyChange.EndpointUpserted u) {
            EndpointRecord e = u.endpoint();
            EndpointRecord before = endpoints.put(key(e.networkId(), e.endpointId()), e);
            if (before == null) {
                record(nowMs, "endpoint-new", "endpoint " + e.address() + describe(e) + " on network "
                        + networkName(e.networkId()) + ", host " + e.hostId());
            }
        } else if (change instanceof TopologyChange.EndpointRemoved r) {
            EndpointRecord before = endpoints.remove(key(r.networkId(), r.endpointId()));
            if (before != null) {
                record(nowMs, "endpoint-removed", "endpoint " + before.address() + describe(before)
                        + " left network " + networkName(r.networkId()));
            }
        }
    }

    private void hostEvent(HostView before, HostView after, long nowMs) {
        HostId id = after.record().hostId();
        String state = stateOf(after);
        if (before == null) {
            if (after.state() == HostState.RESERVED) {
                record(nowMs, "host-new", id + " reserved: subnet " + after.record().subnet());
            } else {
                record(nowMs, "host-new", id + " joined: subnet " + after.record().subnet() + ", underlay "
                        + after.record().underlayIp() + ", " + state);
            }
            return;
        }
        String was = stateOf(before);
        if (!was.equals(state)) {
            switch (state) {
                case "UP" -> record(nowMs, "host-up", id + " is UP (was " + was + ")");
                case "LEFT" -> record(nowMs, "host-left", id + " left the fabric (deregistered); its subnet "
                        + after.record().subnet() + " stays reserved to it");
                case "DOWN" -> record(nowMs, "host-down", id + " is DOWN (was " + was + "): its lease expired");
                default -> record(nowMs, "info", id + " is " + state + " (was " + was + ")");
            }
        }
        if (before.record().underlayIp() != null && !before.record().underlayIp().equals(after.record().underlayIp())) {
            record(nowMs, "host-moved", id + " moved to underlay " + after.record().underlayIp() + " (was "
                    + before.record().underlayIp() + ")");
        }
    }

    /** UP, DOWN, RESERVED, or LEFT for a host that deregistered. */
    static String stateOf(HostView host) {
        if (host.state() != HostState.UP && host.record().left()) {
            return "LEFT";
        }
        return host.state().name();
    }

    private String networkName(String networkId) {
        NetworkRecord n = networks.get(networkId);
        return n == null ? networkId : n.name();
    }

    private static String describe(EndpointRecord e) {
        return e.containerName().isEmpty() ? "" : " (" + e.containerName() + ")";
    }

    private static String key(String networkId, String endpointId) {
        return networkId + '\u0000' + endpointId;
    }

    private void record(long nowMs, String kind, String text) {
        events.addFirst(new PageEvent(nowMs, kind, text));
        while (events.size() > MAX_EVENTS) {
            events.removeLast();
        }
    }

    /** The page at this moment; {@code stale} says why the view does not follow etcd (null when it does). */
    PageView view(TunnelHealthSource health, String controllerId, String stale) {
        Map<HostId, Integer> perHost = new HashMap<>();
        endpoints.values().forEach(e -> perHost.merge(e.hostId(), 1, Integer::sum));
        List<PageView.HostRow> rows = hosts.values().stream()
                .map(h -> new PageView.HostRow(h, stateOf(h), perHost.getOrDefault(h.record().hostId(), 0))).toList();
        List<HostView> tunnelling = hosts.values().stream().filter(h -> h.state() != HostState.RESERVED).toList();
        boolean full = tunnelling.size() <= MAX_FULL_MESH_HOSTS;
        List<PageView.TunnelRow> tunnels = new ArrayList<>();
        int omitted = 0;
        for (int i = 0; i < tunnelling.size(); i++) {
            for (int j = i + 1; j < tunnelling.size(); j++) {
                HostView a = tunnelling.get(i);
                HostView b = tunnelling.get(j);
                TunnelHealth ab = health.tunnel(a, b);
                TunnelHealth ba = health.tunnel(b, a);
                TunnelHealth both = TunnelHealth.combine(ab, ba);
                if (full || both.state() != TunnelHealth.State.UNKNOWN || both.hasRtt()) {
                    tunnels.add(new PageView.TunnelRow(a.record().hostId().value(), b.record().hostId().value(), both, ab, ba));
                } else {
                    omitted++;
                }
            }
        }
        Map<String, List<EndpointRecord>> byNetwork = new TreeMap<>();
        endpoints.values().forEach(e -> byNetwork.computeIfAbsent(e.networkId(), k -> new ArrayList<>()).add(e));
        List<PageView.NetworkRow> nets = networks.values().stream()
                .map(n -> new PageView.NetworkRow(n, byNetwork.getOrDefault(n.id(), List.of()).stream()
                        .sorted(Comparator.comparing(EndpointRecord::address)).toList()))
                .toList();
        return new PageView(revision, controllerId, stale, plan, rows, tunnels, omitted, nets, List.copyOf(events));
    }
}
