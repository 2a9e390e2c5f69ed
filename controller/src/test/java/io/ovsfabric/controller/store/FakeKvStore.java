package io.ovsfabric.controller.store;

import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.FabricException.Code;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * In-memory {@link KvStore} with etcd's semantics (revisions, create/mod revisions, leases, prefix watches from a
 * revision, compaction). Tests can simulate a racing writer ({@link #beforeNextCommit}), lost transactions
 * ({@link #failNextCommits}), lease expiry ({@link #expireLease}) and compaction ({@link #compact}).
 */
public final class FakeKvStore implements KvStore {
    private final TreeMap<String, KeyValue> data = new TreeMap<>();
    private final List<List<KvEvent>> history = new ArrayList<>(); // index i = events of revision i + 2
    private final Map<Long, Long> leases = new HashMap<>(); // id -> ttl seconds
    private final List<FakeWatch> watches = new CopyOnWriteArrayList<>();
    private long revision = 1;
    private long compacted = 0;
    private long nextLease = 0x1000;
    private Consumer<FakeKvStore> beforeNextCommit;
    private int failNextCommits;
    private int commits;
    private boolean unavailable;

    @Override
    public synchronized Optional<KeyValue> get(String key) {
        checkAvailable();
        return Optional.ofNullable(data.get(key));
    }

    @Override
    public synchronized KvRange getPrefix(String prefix) {
        checkAvailable();
        return new KvRange(List.copyOf(data.subMap(prefix, prefix + Character.MAX_VALUE).values()), revision);
    }

    @Override
    public synchronized KvRange getPrefix(String prefix, long atRevision) {
        checkAvailable();
        if (atRevision <= compacted || atRevision > revision) {
            throw new FabricException(Code.COMPACTED, "revision " + atRevision + " is not available (compacted at "
                    + compacted + ", current " + revision + ")");
        }
        TreeMap<String, KeyValue> state = new TreeMap<>();
        for (int i = 0; i < atRevision - 1; i++) {
            for (KvEvent event : history.get(i)) {
                if (event.type() == KvEvent.Type.PUT) {
                    state.put(event.kv().key(), event.kv());
                } else {
                    state.remove(event.kv().key());
                }
            }
        }
        return new KvRange(List.copyOf(state.subMap(prefix, prefix + Character.MAX_VALUE).values()), atRevision);
    }

    @Override
    public TxnResult commit(Txn txn) {
        Consumer<FakeKvStore> hook;
        synchronized (this) {
            checkAvailable();
            hook = beforeNextCommit;
            beforeNextCommit = null;
        }
        if (hook != null) {
            hook.accept(this); // a racing writer gets in first
        }
        synchronized (this) {
            commits++;
            if (failNextCommits > 0) {
                failNextCommits--;
                return new TxnResult(false, revision);
            }
            for (Txn.Cmp cmp : txn.conditions()) {
                KeyValue current = data.get(cmp.key());
                boolean holds = cmp instanceof Txn.Absent ? current == null
                        : current != null && current.modRevision() == ((Txn.ModRevision) cmp).revision();
                if (!holds) {
                    return new TxnResult(false, revision);
                }
            }
            List<KvEvent> events = new ArrayList<>();
            long next = revision + 1;
            for (Txn.Op op : txn.operations()) {
                if (op instanceof Txn.Put put) {
                    if (put.leaseId() != 0 && !leases.containsKey(put.leaseId())) {
                        throw new FabricException(Code.NOT_FOUND, "lease " + Long.toHexString(put.leaseId()) + " not found");
                    }
                    KeyValue old = data.get(put.key());
                    KeyValue kv = new KeyValue(put.key(), put.value(), old == null ? next : old.createRevision(), next, put.leaseId());
                    data.put(put.key(), kv);
                    events.add(new KvEvent(KvEvent.Type.PUT, kv));
                } else if (op instanceof Txn.Delete delete) {
                    deleteKey(delete.key(), next, events);
                } else if (op instanceof Txn.DeletePrefix prefix) {
                    for (String key : List.copyOf(data.subMap(prefix.prefix(), prefix.prefix() + Character.MAX_VALUE).keySet())) {
                        deleteKey(key, next, events);
                    }
                }
            }
            publish(events);
            return new TxnResult(true, revision);
        }
    }

    @Override
    public synchronized long grantLease(Duration ttl) {
        checkAvailable();
        long id = nextLease++;
        leases.put(id, Math.max(1, ttl.toSeconds()));
        return id;
    }

    @Override
    public synchronized long keepAliveOnce(long leaseId) {
        checkAvailable();
        Long ttl = leases.get(leaseId);
        if (ttl == null) {
            throw new FabricException(Code.NOT_FOUND, "lease " + Long.toHexString(leaseId) + " has expired");
        }
        return ttl;
    }

    @Override
    public synchronized void revokeLease(long leaseId) {
        checkAvailable();
        expireLease(leaseId);
    }

    /** What etcd does when a lease's TTL passes: the lease and its keys go, in one revision. */
    public synchronized void expireLease(long leaseId) {
        if (leases.remove(leaseId) == null) {
            return;
        }
        List<KvEvent> events = new ArrayList<>();
        for (KeyValue kv : List.copyOf(data.values())) {
            if (kv.leaseId() == leaseId) {
                deleteKey(kv.key(), revision + 1, events);
            }
        }
        publish(events);
    }

    public synchronized boolean leaseExists(long leaseId) {
        return leases.containsKey(leaseId);
    }

    @Override
    public synchronized WatchHandle watch(String prefix, long fromRevision, WatchListener listener) {
        return watchRange(prefix, EtcdKvStore.prefixEnd(prefix), fromRevision, listener);
    }

    @Override
    public synchronized WatchHandle watchRange(String fromKey, String toKey, long fromRevision, WatchListener listener) {
        checkAvailable();
        if (fromRevision <= compacted) {
            listener.onCompacted(compacted);
            return () -> { };
        }
        FakeWatch watch = new FakeWatch(fromKey, toKey, listener);
        for (long rev = Math.max(2, fromRevision); rev <= revision; rev++) {
            watch.deliver(rev, history.get((int) rev - 2));
        }
        watches.add(watch);
        return () -> watches.remove(watch);
    }

    @Override
    public void close() {
        watches.clear();
    }

    // ---- test controls ----

    public synchronized long revision() {
        return revision;
    }

    public synchronized int commits() {
        return commits;
    }

    public synchronized void beforeNextCommit(Consumer<FakeKvStore> racingWriter) {
        this.beforeNextCommit = racingWriter;
    }

    public synchronized void failNextCommits(int count) {
        this.failNextCommits = count;
    }

    /** Forget history up to and including the revision, like etcd's compaction. */
    public synchronized void compact(long upTo) {
        compacted = Math.max(compacted, upTo);
    }

    public synchronized void setUnavailable(boolean unavailable) {
        this.unavailable = unavailable;
    }

    public synchronized Map<String, String> dump() {
        Map<String, String> out = new TreeMap<>();
        data.forEach((k, v) -> out.put(k, v.value()));
        return out;
    }

    /** Direct write (no conditions), as another client would. */
    public void put(String key, String value) {
        commit(Txn.when().then(Txn.Op.put(key, value)));
    }

    private void checkAvailable() {
        if (unavailable) {
            throw new FabricException(Code.UNAVAILABLE, "fake etcd is unavailable");
        }
    }

    private void deleteKey(String key, long rev, List<KvEvent> events) {
        KeyValue old = data.remove(key);
        if (old != null) {
            events.add(new KvEvent(KvEvent.Type.DELETE, new KeyValue(key, "", old.createRevision(), rev, old.leaseId())));
        }
    }

    private void publish(List<KvEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        revision++;
        history.add(List.copyOf(events));
        for (FakeWatch watch : watches) {
            watch.deliver(revision, events);
        }
    }

    @Override
    public synchronized void requestProgress() {
        watches.forEach(w -> w.listener().onProgress(revision));
    }

    private record FakeWatch(String from, String to, WatchListener listener) {
        void deliver(long rev, List<KvEvent> events) {
            List<KvEvent> mine = events.stream()
                    .filter(e -> e.kv().key().compareTo(from) >= 0 && e.kv().key().compareTo(to) < 0).toList();
            if (!mine.isEmpty()) {
                listener.onEvents(rev, mine);
            }
        }
    }
}
