package io.ovsfabric.controller.registry;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.model.HostRecord;
import io.ovsfabric.controller.model.HostView;
import io.ovsfabric.controller.model.LiveRecord;
import io.ovsfabric.controller.model.Versioned;
import io.ovsfabric.controller.store.JsonCodec;
import io.ovsfabric.controller.store.KeyLayout;
import io.ovsfabric.controller.store.KeyValue;
import io.ovsfabric.controller.store.KvRange;
import io.ovsfabric.controller.store.KvStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Typed reads of host records and live keys (shared by the registry, the sweeper and the admin reads). */
public final class HostStore {
    private final KvStore store;
    private final KeyLayout keys;
    private final JsonCodec codec;
    private final Duration grace;

    public HostStore(KvStore store, KeyLayout keys, JsonCodec codec, Duration grace) {
        this.store = store;
        this.keys = keys;
        this.codec = codec;
        this.grace = grace;
    }

    public Optional<Versioned<HostRecord>> host(HostId id) {
        return store.get(keys.host(id)).map(kv -> new Versioned<>(codec.decode(kv.key(), kv.value(), HostRecord.class), kv.modRevision()));
    }

    /** The host's live key; the version is the key's mod revision and {@link Live#leaseId()} comes from etcd itself. */
    public Optional<Live> live(HostId id) {
        return store.get(keys.live(id)).map(this::toLive);
    }

    /** Every host record and every live key, read at one revision. */
    public Hosts all() {
        KvRange hostRange = store.getPrefix(keys.hostsPrefix());
        KvRange liveRange = store.getPrefix(keys.livePrefix(), hostRange.revision());
        List<Versioned<HostRecord>> records = new ArrayList<>();
        for (KeyValue kv : hostRange.kvs()) {
            records.add(new Versioned<>(codec.decode(kv.key(), kv.value(), HostRecord.class), kv.modRevision()));
        }
        Map<HostId, Live> live = new HashMap<>();
        for (KeyValue kv : liveRange.kvs()) {
            Live l = toLive(kv);
            live.put(l.record().hostId(), l);
        }
        return new Hosts(records, live, hostRange.revision());
    }

    public HostView view(HostRecord record, boolean live) {
        return HostView.of(record, live, grace);
    }

    private Live toLive(KeyValue kv) {
        return new Live(codec.decode(kv.key(), kv.value(), LiveRecord.class), kv.leaseId(), kv.modRevision());
    }

    public record Live(LiveRecord record, long leaseId, long modRevision) {}

    /** A consistent read of the host registry. */
    public record Hosts(List<Versioned<HostRecord>> records, Map<HostId, Live> live, long revision) {
        public boolean isLive(HostId id) {
            return live.containsKey(id);
        }
    }
}
