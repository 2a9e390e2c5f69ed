package io.ovsfabric.controller.store;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.model.HostRecord;
import io.ovsfabric.controller.model.LiveRecord;
import io.ovsfabric.controller.model.NetworkRecord;
import io.ovsfabric.controller.model.Versioned;
import io.ovsfabric.controller.store.TopologyRepository.Entry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's one view of the topology keys in etcd: one paged read at start, then one watch on
 * {@code [root, root + "reports/")} (the plan, hosts, live keys, networks, addresses; reports and the subnet claims
 * sort after it and are never read here). It feeds the {@link Listener}s (the topology feed) and answers the
 * repositories' hot whole-prefix questions (which subnets are claimed, which hosts are live, which addresses a
 * network holds) without reading etcd.
 *
 * <p>Freshness: {@link #awaitSeen} waits until the view has applied every revision this controller has seen in a
 * commit's answer (its own writes and the revisions of the races it lost), asking etcd for a progress notification
 * when nothing in the watched range changed; a view that does not catch up within {@link #FRESH_WAIT}, or is down,
 * answers "unknown" and the repository reads etcd instead. Decisions taken on the view are still only proposals:
 * every write stays a conditional transaction, so a stale view costs a retry, never a duplicate.
 *
 * <p>When the watch fails (etcd lost its quorum: the watch requires a leader) the listeners are told at once
 * ({@code onStale}), and the view is rebuilt from a fresh read with backoff ({@code onReset}); a compacted watch
 * start is handled the same way.
 */
public final class WatchCache implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WatchCache.class);
    static final Duration FRESH_WAIT = Duration.ofMillis(500);
    private static final long MAX_BACKOFF_MS = 5000;

    /** Receives the view's changes, one call at a time, in etcd order. */
    public interface Listener {
        /** The whole topology at a revision: at start, and after the view was rebuilt. */
        void onReset(TopologyRepository.Snapshot snapshot);

        /** The topology entries of one revision (never empty). */
        void onEntries(long revision, List<Entry> entries);

        /** The watch failed: the view stopped following etcd until the next {@code onReset}. */
        void onStale(FabricException error);
    }

    private final KvStore store;
    private final KeyLayout keys;
    private final JsonCodec codec;
    private final TopologyRepository topology;
    private final SeenRevisions seen;
    private final Object deliveries = new Object();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService restarts = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "watch-cache");
        thread.setDaemon(true);
        return thread;
    });

    // guarded by this
    private long revision;
    private boolean running;
    private boolean closed;
    private int generation;
    private TopologyRepository.Snapshot loaded;
    private KvStore.WatchHandle watch;
    private final Map<HostId, Versioned<HostRecord>> hostRecords = new HashMap<>();
    private final Map<HostId, HostRepository.Live> live = new HashMap<>();
    private final Map<String, Versioned<NetworkRecord>> networks = new HashMap<>();
    private final Map<String, String> networkIds = new HashMap<>(); // by name
    private final Map<String, BitSet> held = new HashMap<>(); // network id -> offsets of held addresses

    WatchCache(KvStore store, KeyLayout keys, JsonCodec codec, TopologyRepository topology, SeenRevisions seen) {
        this.store = store;
        this.keys = keys;
        this.codec = codec;
        this.topology = topology;
        this.seen = seen;
    }

    /** Reads the topology (paged) and starts the one watch. UNAVAILABLE when etcd does not answer. */
    public void start() {
        synchronized (deliveries) {
            reload();
        }
    }

    /** Adds a listener; it gets {@code onReset} with the current view at once (if started). */
    public void addListener(Listener listener) {
        synchronized (deliveries) {
            listeners.add(listener);
            TopologyRepository.Snapshot current;
            synchronized (this) {
                current = running ? loaded : null;
            }
            if (current != null) {
                listener.onReset(current);
            }
        }
    }

    /** The revision the view has applied everything up to. */
    public synchronized long revision() {
        return revision;
    }

    public synchronized boolean running() {
        return running;
    }

    @Override
    public void close() {
        KvStore.WatchHandle handle;
        synchronized (this) {
            closed = true;
            running = false;
            handle = watch;
            watch = null;
        }
        restarts.shutdownNow();
        if (handle != null) {
            handle.close();
        }
    }

    // ---- reads for the repositories ----

    /** The subnets host records hold (each is claimed together with its record), once fresh. */
    Optional<Set<Cidr>> claimedSubnets() {
        return fresh(WatchCache::subnetsNow);
    }

    /**
     * The subnets host records hold, as the view has them now (not waiting for this controller's latest writes):
     * callers keep their own recent claims out themselves. Empty when the view is not running.
     */
    synchronized Optional<Set<Cidr>> claimedSubnetsNow() {
        return running ? Optional.of(subnetsNow()) : Optional.empty();
    }

    private Set<Cidr> subnetsNow() {
        Set<Cidr> subnets = new HashSet<>();
        hostRecords.values().forEach(v -> subnets.add(v.value().subnet()));
        return subnets;
    }

    /**
     * A host's record and live key as the view has them now (not waiting): a proposal for a conditional write, which
     * fails if either changed meanwhile. Empty when the view is not running.
     */
    synchronized Optional<HostRepository.HostAsRead> hostNow(HostId id) {
        return running ? Optional.of(new HostRepository.HostAsRead(Optional.ofNullable(hostRecords.get(id)),
                Optional.ofNullable(live.get(id)))) : Optional.empty();
    }

    /** Every live key, once fresh. */
    Optional<Map<HostId, HostRepository.Live>> live() {
        return fresh(c -> new HashMap<>(c.live));
    }

    /**
     * The live key of a host other than {@code except} at {@code underlay}, as the view has it now (not waiting).
     * Empty when the view is not running.
     */
    synchronized Optional<Optional<HostRepository.Live>> liveAtNow(Ipv4Address underlay, HostId except) {
        if (!running) {
            return Optional.empty();
        }
        return Optional.of(live.values().stream()
                .filter(l -> l.record().underlayIp().equals(underlay) && !l.record().hostId().equals(except)).findFirst());
    }

    /** Whether a host has a record, as the view has it now (not waiting): only a "yes" is trusted by callers. */
    synchronized boolean hasHost(HostId id) {
        return running && hostRecords.containsKey(id);
    }

    /** A network by id or name as the view has it now (not waiting); empty when unknown or not running. */
    synchronized Optional<Versioned<NetworkRecord>> network(String nameOrId) {
        if (!running) {
            return Optional.empty();
        }
        Versioned<NetworkRecord> byId = networks.get(nameOrId);
        if (byId != null) {
            return Optional.of(byId);
        }
        String id = networkIds.get(nameOrId);
        return id == null ? Optional.empty() : Optional.ofNullable(networks.get(id));
    }

    /**
     * Runs {@code read} on the held addresses of a network (bit i = the subnet's i-th address is held) as the view
     * has them now, under the view's lock; empty when the network is unknown or the view is not running.
     */
    synchronized <T> Optional<T> withHeld(String networkId, Function<BitSet, T> read) {
        BitSet bits = running ? held.get(networkId) : null;
        return bits == null ? Optional.empty() : Optional.of(read.apply(bits));
    }

    /** Waits (bounded) until the view has applied every revision this controller has seen; false if it did not. */
    boolean awaitSeen() {
        long target = seen.highest();
        long deadline = System.nanoTime() + FRESH_WAIT.toNanos();
        boolean asked = false;
        while (true) {
            synchronized (this) {
                if (!running) {
                    return false;
                }
                if (revision >= target) {
                    return true;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                if (asked) {
                    try {
                        wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 20)));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                    if (revision >= target) {
                        return true;
                    }
                }
            }
            // nothing in the watched range may have changed at the target revision (a report, a claim): ask etcd
            // where the watch stands. Outside the lock: the store may deliver a watch event while we ask.
            store.requestProgress();
            asked = true;
        }
    }

    private <T> Optional<T> fresh(Function<WatchCache, T> read) {
        if (!awaitSeen()) {
            return Optional.empty();
        }
        synchronized (this) {
            return running ? Optional.of(read.apply(this)) : Optional.empty();
        }
    }

    // ---- following etcd ----

    /** Called holding {@code deliveries}: reads everything at one revision, replaces the view, re-opens the watch. */
    private void reload() {
        KvRange config = store.getPrefix(keys.config());
        long at = config.revision();
        List<KeyValue> kvs = new ArrayList<>(config.kvs());
        for (String prefix : List.of(keys.hostsPrefix(), keys.livePrefix(), keys.networksPrefix(), keys.addressesPrefix())) {
            kvs.addAll(store.getPrefix(prefix, at).kvs());
        }
        List<Entry> entries = new ArrayList<>();
        int gen;
        KvStore.WatchHandle old;
        synchronized (this) {
            if (closed) {
                return;
            }
            hostRecords.clear();
            live.clear();
            networks.clear();
            networkIds.clear();
            held.clear();
            for (KeyValue kv : kvs) {
                apply(kv, true);
                topology.decode(kv, true).ifPresent(entries::add);
            }
            revision = at;
            loaded = new TopologyRepository.Snapshot(at, entries);
            running = true;
            gen = ++generation;
            old = watch;
            watch = null;
            notifyAll();
        }
        if (old != null) {
            old.close();
        }
        log.info("watch cache loaded the topology at revision {} ({} hosts, {} live, {} networks, {} keys in all); following"
                + " etcd from there", at, hostRecords.size(), live.size(), networks.size(), kvs.size());
        listeners.forEach(l -> l.onReset(loaded));
        KvStore.WatchHandle handle = store.watchRange(keys.root(), keys.reportsPrefix(), at + 1, new Follower(gen));
        synchronized (this) {
            if (gen == generation && !closed) {
                watch = handle;
                return;
            }
        }
        handle.close();
    }

    private void apply(KeyValue kv, boolean put) {
        Optional<KeyLayout.ParsedKey> parsed = keys.parse(kv.key());
        if (parsed.isEmpty()) {
            return;
        }
        String first = parsed.get().first();
        switch (parsed.get().kind()) {
            case HOST -> {
                HostId id = HostId.of(first);
                if (put) {
                    hostRecords.put(id, new Versioned<>(codec.decode(kv.key(), kv.value(), HostRecord.class), kv.modRevision()));
                } else {
                    hostRecords.remove(id);
                }
            }
            case LIVE -> {
                HostId id = HostId.of(first);
                if (put) {
                    live.put(id, new HostRepository.Live(codec.decode(kv.key(), kv.value(), LiveRecord.class), kv.leaseId(),
                            kv.modRevision()));
                } else {
                    live.remove(id);
                }
            }
            case NETWORK -> {
                if (put) {
                    NetworkRecord network = codec.decode(kv.key(), kv.value(), NetworkRecord.class);
                    networks.put(first, new Versioned<>(network, kv.modRevision()));
                    networkIds.put(network.name(), first);
                    held.computeIfAbsent(first, id -> new BitSet());
                } else {
                    Versioned<NetworkRecord> gone = networks.remove(first);
                    if (gone != null) {
                        networkIds.remove(gone.value().name(), first);
                    }
                    held.remove(first);
                }
            }
            case ADDRESS -> {
                Versioned<NetworkRecord> network = networks.get(first);
                BitSet bits = held.get(first);
                if (network != null && bits != null) {
                    long offset = Ipv4Address.parse(parsed.get().second()).unsigned() - network.value().subnet().network().unsigned();
                    if (offset >= 0 && offset < network.value().subnet().size()) {
                        bits.set((int) offset, put);
                    }
                }
            }
            default -> { }
        }
    }

    private void scheduleReload(long delayMs) {
        synchronized (this) {
            if (closed) {
                return;
            }
        }
        restarts.schedule(() -> {
            synchronized (deliveries) {
                try {
                    reload();
                } catch (FabricException e) {
                    long next = Math.min(MAX_BACKOFF_MS, Math.max(250, delayMs * 2));
                    log.warn("watch cache could not reload the topology ({}); retrying in {} ms", e.getMessage(), next);
                    scheduleReload(next);
                } catch (RuntimeException e) {
                    log.error("watch cache reload failed unexpectedly; retrying in {} ms", MAX_BACKOFF_MS, e);
                    scheduleReload(MAX_BACKOFF_MS);
                }
            }
        }, delayMs, TimeUnit.MILLISECONDS);
    }

    /** The watch of one generation of the view; events of a replaced watch are dropped. */
    private final class Follower implements WatchListener {
        private final int gen;

        Follower(int gen) {
            this.gen = gen;
        }

        private boolean current() {
            synchronized (WatchCache.this) {
                return gen == generation && running;
            }
        }

        @Override
        public void onEvents(long rev, List<KvEvent> events) {
            synchronized (deliveries) {
                List<Entry> entries = new ArrayList<>();
                synchronized (WatchCache.this) {
                    if (gen != generation || !running) {
                        return;
                    }
                    for (KvEvent event : events) {
                        boolean put = event.type() == KvEvent.Type.PUT;
                        apply(event.kv(), put);
                        topology.decode(event.kv(), put).ifPresent(entries::add);
                    }
                    revision = Math.max(revision, rev);
                    WatchCache.this.notifyAll();
                }
                if (!entries.isEmpty()) {
                    listeners.forEach(l -> l.onEntries(rev, entries));
                }
            }
        }

        @Override
        public void onProgress(long rev) {
            synchronized (WatchCache.this) {
                if (gen == generation && running && rev > revision) {
                    revision = rev;
                    WatchCache.this.notifyAll();
                }
            }
        }

        @Override
        public void onCompacted(long compactRevision) {
            if (!current()) {
                return;
            }
            log.info("watch cache fell behind etcd's compaction (revision {}): reloading the topology", compactRevision);
            stale(new FabricException(FabricException.Code.COMPACTED, "the topology watch start was compacted at revision "
                    + compactRevision), 0);
        }

        @Override
        public void onError(FabricException error) {
            if (!current()) {
                return;
            }
            log.warn("watch cache lost its etcd watch ({}); ending the topology streams and reloading", error.getMessage());
            stale(error, 250);
        }

        private void stale(FabricException error, long delayMs) {
            synchronized (deliveries) {
                synchronized (WatchCache.this) {
                    if (gen != generation) {
                        return;
                    }
                    running = false;
                    generation++;
                    WatchCache.this.notifyAll();
                }
                if (error.code() != FabricException.Code.COMPACTED) {
                    listeners.forEach(l -> l.onStale(error));
                }
            }
            scheduleReload(delayMs);
        }
    }
}
