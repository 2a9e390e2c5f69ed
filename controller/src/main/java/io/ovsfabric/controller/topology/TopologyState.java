package io.ovsfabric.controller.topology;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.model.EndpointRecord;
import io.ovsfabric.controller.model.FabricPlan;
import io.ovsfabric.controller.model.HostRecord;
import io.ovsfabric.controller.model.HostView;
import io.ovsfabric.controller.model.NetworkRecord;
import io.ovsfabric.controller.store.TopologyRepository.EndpointEntry;
import io.ovsfabric.controller.store.TopologyRepository.Entry;
import io.ovsfabric.controller.store.TopologyRepository.HostEntry;
import io.ovsfabric.controller.store.TopologyRepository.LiveEntry;
import io.ovsfabric.controller.store.TopologyRepository.NetworkEntry;
import io.ovsfabric.controller.store.TopologyRepository.PlanEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The fabric as one watcher has seen it (pure, not thread-safe): built from a snapshot's entries, advanced by watch
 * entries, turning stored changes into topology changes. A host's state depends on two entries (its record and its
 * live key), so all entries of one revision are applied first and each touched host, network or endpoint is
 * reported once.
 */
public final class TopologyState {
    private final Duration grace;
    private FabricPlan plan;
    private final Map<HostId, HostRecord> hosts = new TreeMap<>();
    private final Set<HostId> live = new HashSet<>();
    private final Map<String, NetworkRecord> networks = new TreeMap<>();
    private final Map<String, EndpointRecord> endpoints = new TreeMap<>(); // by network id and address

    public TopologyState(Duration grace) {
        this.grace = grace;
    }

    public void load(List<Entry> entries) {
        entries.forEach(this::put);
    }

    public TopologyEvent.Snapshot snapshot() {
        List<HostView> views = hosts.values().stream().map(h -> HostView.of(h, live.contains(h.hostId()), grace)).toList();
        List<EndpointRecord> eps = endpoints.values().stream()
                .sorted(Comparator.comparing(EndpointRecord::networkId).thenComparing(EndpointRecord::address)).toList();
        return new TopologyEvent.Snapshot(plan, views, List.copyOf(networks.values()), eps);
    }

    /** Applies one revision's entries and returns what changed for clients (possibly nothing). */
    public List<TopologyChange> apply(List<Entry> entries) {
        Map<HostId, Optional<HostRecord>> hostsBefore = new LinkedHashMap<>();
        Map<HostId, Boolean> liveBefore = new HashMap<>();
        Map<String, Optional<NetworkRecord>> networksBefore = new LinkedHashMap<>();
        Map<String, Optional<EndpointRecord>> endpointsBefore = new LinkedHashMap<>();
        for (Entry entry : entries) {
            Optional<HostId> host = entry instanceof HostEntry h ? Optional.of(h.hostId())
                    : entry instanceof LiveEntry l ? Optional.of(l.hostId()) : Optional.empty();
            host.ifPresent(id -> {
                hostsBefore.putIfAbsent(id, Optional.ofNullable(hosts.get(id)));
                liveBefore.putIfAbsent(id, live.contains(id));
            });
            if (entry instanceof NetworkEntry n) {
                networksBefore.putIfAbsent(n.networkId(), Optional.ofNullable(networks.get(n.networkId())));
            } else if (entry instanceof EndpointEntry e) {
                endpointsBefore.putIfAbsent(key(e), Optional.ofNullable(endpoints.get(key(e))));
            }
            put(entry);
        }
        List<TopologyChange> changes = new ArrayList<>();
        hostsBefore.forEach((id, before) -> {
            HostRecord now = hosts.get(id);
            if (now != null) {
                if (!before.equals(Optional.of(now)) || liveBefore.get(id) != live.contains(id)) {
                    changes.add(new TopologyChange.HostUpserted(HostView.of(now, live.contains(id), grace)));
                }
            } else if (before.isPresent()) {
                changes.add(new TopologyChange.HostRemoved(id));
            }
        });
        changes.addAll(upsertsAndRemovals(networksBefore, networks, TopologyChange.NetworkUpserted::new,
                (id, before) -> new TopologyChange.NetworkRemoved(id)));
        changes.addAll(upsertsAndRemovals(endpointsBefore, endpoints, TopologyChange.EndpointUpserted::new,
                (key, before) -> new TopologyChange.EndpointRemoved(before.networkId(), before.endpointId())));
        return changes;
    }

    /** For each touched key: an upsert if it exists now, a removal if it existed before and is gone. */
    private static <T> List<TopologyChange> upsertsAndRemovals(Map<String, Optional<T>> before, Map<String, T> now,
            Function<T, TopologyChange> upserted, BiFunction<String, T, TopologyChange> removed) {
        List<TopologyChange> changes = new ArrayList<>();
        before.forEach((key, was) -> {
            T is = now.get(key);
            if (is != null) {
                changes.add(upserted.apply(is));
            } else if (was.isPresent()) {
                changes.add(removed.apply(key, was.get()));
            }
        });
        return changes;
    }

    private void put(Entry entry) {
        if (entry instanceof PlanEntry p) {
            plan = p.plan();
        } else if (entry instanceof HostEntry h) {
            h.record().ifPresentOrElse(r -> hosts.put(h.hostId(), r), () -> hosts.remove(h.hostId()));
        } else if (entry instanceof LiveEntry l) {
            if (l.live()) {
                live.add(l.hostId());
            } else {
                live.remove(l.hostId());
            }
        } else if (entry instanceof NetworkEntry n) {
            n.record().ifPresentOrElse(r -> networks.put(n.networkId(), r), () -> networks.remove(n.networkId()));
        } else if (entry instanceof EndpointEntry e) {
            e.record().ifPresentOrElse(r -> endpoints.put(key(e), r), () -> endpoints.remove(key(e)));
        }
    }

    private static String key(EndpointEntry e) {
        return e.networkId() + "/" + e.address();
    }
}
