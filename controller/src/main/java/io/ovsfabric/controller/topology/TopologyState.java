package io.ovsfabric.controller.topology;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.model.EndpointRecord;
import io.ovsfabric.controller.model.FabricPlan;
import io.ovsfabric.controller.model.HostRecord;
import io.ovsfabric.controller.model.HostView;
import io.ovsfabric.controller.model.NetworkRecord;
import io.ovsfabric.controller.store.JsonCodec;
import io.ovsfabric.controller.store.KeyLayout;
import io.ovsfabric.controller.store.KeyValue;
import io.ovsfabric.controller.store.KvEvent;
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

/**
 * The fabric as one watcher has seen it (pure, not thread-safe): built from a range read, advanced by watch events,
 * turning raw key changes into topology changes. A host's state depends on two keys (its record and its live key),
 * so all events of one revision are applied first and each touched host, network or endpoint is reported once.
 */
public final class TopologyState {
    private final KeyLayout keys;
    private final JsonCodec codec;
    private final Duration grace;
    private FabricPlan plan;
    private final Map<HostId, HostRecord> hosts = new TreeMap<>();
    private final Set<HostId> live = new HashSet<>();
    private final Map<String, NetworkRecord> networks = new TreeMap<>();
    private final Map<String, EndpointRecord> endpoints = new TreeMap<>(); // by address key

    public TopologyState(KeyLayout keys, JsonCodec codec, Duration grace) {
        this.keys = keys;
        this.codec = codec;
        this.grace = grace;
    }

    public void load(List<KeyValue> kvs) {
        for (KeyValue kv : kvs) {
            put(kv);
        }
    }

    public TopologyEvent.Snapshot snapshot() {
        List<HostView> views = hosts.values().stream().map(h -> HostView.of(h, live.contains(h.hostId()), grace)).toList();
        List<EndpointRecord> eps = endpoints.values().stream()
                .sorted(Comparator.comparing(EndpointRecord::networkId).thenComparing(EndpointRecord::address)).toList();
        return new TopologyEvent.Snapshot(plan, views, List.copyOf(networks.values()), eps);
    }

    /** Applies one revision's events and returns what changed for clients (possibly nothing). */
    public List<TopologyChange> apply(List<KvEvent> events) {
        Map<HostId, Optional<HostRecord>> hostsBefore = new LinkedHashMap<>();
        Map<HostId, Boolean> liveBefore = new HashMap<>();
        Map<String, Optional<NetworkRecord>> networksBefore = new LinkedHashMap<>();
        Map<String, Optional<EndpointRecord>> endpointsBefore = new LinkedHashMap<>();
        for (KvEvent event : events) {
            keys.parse(event.kv().key()).ifPresent(parsed -> {
                switch (parsed.kind()) {
                    case HOST, LIVE -> {
                        HostId id = HostId.of(parsed.first());
                        hostsBefore.putIfAbsent(id, Optional.ofNullable(hosts.get(id)));
                        liveBefore.putIfAbsent(id, live.contains(id));
                    }
                    case NETWORK -> networksBefore.putIfAbsent(parsed.first(), Optional.ofNullable(networks.get(parsed.first())));
                    case ADDRESS -> endpointsBefore.putIfAbsent(event.kv().key(), Optional.ofNullable(endpoints.get(event.kv().key())));
                    default -> { }
                }
            });
            if (event.type() == KvEvent.Type.PUT) {
                put(event.kv());
            } else {
                delete(event.kv().key());
            }
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
        networksBefore.forEach((id, before) -> {
            NetworkRecord now = networks.get(id);
            if (now != null) {
                changes.add(new TopologyChange.NetworkUpserted(now));
            } else if (before.isPresent()) {
                changes.add(new TopologyChange.NetworkRemoved(id));
            }
        });
        endpointsBefore.forEach((key, before) -> {
            EndpointRecord now = endpoints.get(key);
            if (now != null) {
                changes.add(new TopologyChange.EndpointUpserted(now));
            } else if (before.isPresent()) {
                changes.add(new TopologyChange.EndpointRemoved(before.get().networkId(), before.get().endpointId()));
            }
        });
        return changes;
    }

    private void put(KeyValue kv) {
        keys.parse(kv.key()).ifPresent(parsed -> {
            switch (parsed.kind()) {
                case CONFIG -> plan = codec.decode(kv.key(), kv.value(), FabricPlan.class);
                case HOST -> hosts.put(HostId.of(parsed.first()), codec.decode(kv.key(), kv.value(), HostRecord.class));
                case LIVE -> live.add(HostId.of(parsed.first()));
                case NETWORK -> networks.put(parsed.first(), codec.decode(kv.key(), kv.value(), NetworkRecord.class));
                case ADDRESS -> endpoints.put(kv.key(), codec.decode(kv.key(), kv.value(), EndpointRecord.class));
                default -> { }
            }
        });
    }

    private void delete(String key) {
        keys.parse(key).ifPresent(parsed -> {
            switch (parsed.kind()) {
                case HOST -> hosts.remove(HostId.of(parsed.first()));
                case LIVE -> live.remove(HostId.of(parsed.first()));
                case NETWORK -> networks.remove(parsed.first());
                case ADDRESS -> endpoints.remove(key);
                default -> { }
            }
        });
    }
}
