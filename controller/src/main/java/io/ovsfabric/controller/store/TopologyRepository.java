package io.ovsfabric.controller.store;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.model.EndpointRecord;
import io.ovsfabric.controller.model.FabricPlan;
import io.ovsfabric.controller.model.HostRecord;
import io.ovsfabric.controller.model.NetworkRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The read side the topology is built from: consistent reads and a watch of the whole fabric, decoded into typed
 * {@link Entry entries} (the plan, host records, live keys, networks, endpoints; every other key is left out). The
 * topology never sees a key or a JSON value; this class is where a watch cache would attach.
 */
public final class TopologyRepository extends Repository {
    /** One stored topology item as written ({@code present}) or deleted at some revision. */
    public sealed interface Entry {}

    /** The plan (its deletion is not a topology change and is not reported). */
    public record PlanEntry(FabricPlan plan) implements Entry {}

    /** A host record; empty when deleted. */
    public record HostEntry(HostId hostId, Optional<HostRecord> record) implements Entry {}

    /** A host's live key: whether it exists. */
    public record LiveEntry(HostId hostId, boolean live) implements Entry {}

    /** A network; empty when deleted. */
    public record NetworkEntry(String networkId, Optional<NetworkRecord> record) implements Entry {}

    /** The endpoint holding an address; empty when released. */
    public record EndpointEntry(String networkId, String address, Optional<EndpointRecord> record) implements Entry {}

    /** Every entry at one revision. */
    public record Snapshot(long revision, List<Entry> entries) {}

    /** Receives one watch's entries; never called concurrently for one watch. */
    public interface Listener {
        /** The entries of one store revision, in the order they were applied (never empty). */
        void onEntries(long revision, List<Entry> entries);

        /** The start revision was compacted; the watch has ended. */
        void onCompacted(long compactRevision);

        /** The watch failed and has ended. */
        void onError(FabricException error);
    }

    TopologyRepository(KvStore store, KeyLayout keys, JsonCodec codec) {
        super(store, keys, codec);
    }

    /** The topology now. */
    public Snapshot read() {
        return snapshot(store.getPrefix(keys.root()));
    }

    /** The topology at an older revision; COMPACTED if etcd no longer has it. */
    public Snapshot readAt(long revision) {
        return snapshot(store.getPrefix(keys.root(), revision));
    }

    /** Watches every topology change from {@code fromRevision} (inclusive); revisions without any are skipped. */
    public KvStore.WatchHandle watch(long fromRevision, Listener listener) {
        return store.watch(keys.root(), fromRevision, new WatchListener() {
            @Override
            public void onEvents(long revision, List<KvEvent> events) {
                List<Entry> entries = new ArrayList<>();
                events.forEach(event -> decode(event.kv(), event.type() == KvEvent.Type.PUT).ifPresent(entries::add));
                if (!entries.isEmpty()) {
                    listener.onEntries(revision, entries);
                }
            }

            @Override
            public void onCompacted(long compactRevision) {
                listener.onCompacted(compactRevision);
            }

            @Override
            public void onError(FabricException error) {
                listener.onError(error);
            }
        });
    }

    private Snapshot snapshot(KvRange range) {
        List<Entry> entries = new ArrayList<>();
        range.kvs().forEach(kv -> decode(kv, true).ifPresent(entries::add));
        return new Snapshot(range.revision(), entries);
    }

    /** The topology entry a key stands for; empty for keys outside the topology. */
    Optional<Entry> decode(KeyValue kv, boolean put) {
        return keys.parse(kv.key()).flatMap(parsed -> Optional.ofNullable(switch (parsed.kind()) {
            case CONFIG -> put ? new PlanEntry(codec.decode(kv.key(), kv.value(), FabricPlan.class)) : null;
            case HOST -> new HostEntry(HostId.of(parsed.first()),
                    put ? Optional.of(codec.decode(kv.key(), kv.value(), HostRecord.class)) : Optional.empty());
            case LIVE -> new LiveEntry(HostId.of(parsed.first()), put);
            case NETWORK -> new NetworkEntry(parsed.first(),
                    put ? Optional.of(codec.decode(kv.key(), kv.value(), NetworkRecord.class)) : Optional.empty());
            case ADDRESS -> new EndpointEntry(parsed.first(), parsed.second(),
                    put ? Optional.of(codec.decode(kv.key(), kv.value(), EndpointRecord.class)) : Optional.empty());
            default -> null;
        }));
    }
}
