package io.ovsfabric.controller.store;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link KvStore} the repositories use: the real one, remembering the highest revision any transaction's answer
 * carried (applied or not). The {@link WatchCache} waits for that revision before it answers a read, so this
 * controller always reads its own writes, and after a lost race it sees the write that won.
 */
final class SeenRevisions implements KvStore {
    private final KvStore store;
    private final AtomicLong highest = new AtomicLong();

    SeenRevisions(KvStore store) {
        this.store = store;
    }

    long highest() {
        return highest.get();
    }

    @Override
    public TxnResult commit(Txn txn) {
        TxnResult result = store.commit(txn);
        highest.accumulateAndGet(result.revision(), Math::max);
        return result;
    }

    @Override
    public Optional<KeyValue> get(String key) {
        return store.get(key);
    }

    @Override
    public KvRange getPrefix(String prefix) {
        return store.getPrefix(prefix);
    }

    @Override
    public KvRange getPrefix(String prefix, long revision) {
        return store.getPrefix(prefix, revision);
    }

    @Override
    public long grantLease(Duration ttl) {
        return store.grantLease(ttl);
    }

    @Override
    public java.util.List<Long> grantLeases(Duration ttl, int count) {
        return store.grantLeases(ttl, count);
    }

    @Override
    public long keepAliveOnce(long leaseId) {
        return store.keepAliveOnce(leaseId);
    }

    @Override
    public void revokeLease(long leaseId) {
        store.revokeLease(leaseId);
    }

    @Override
    public WatchHandle watch(String prefix, long fromRevision, WatchListener listener) {
        return store.watch(prefix, fromRevision, listener);
    }

    @Override
    public WatchHandle watchRange(String fromKey, String toKey, long fromRevision, WatchListener listener) {
        return store.watchRange(fromKey, toKey, fromRevision, listener);
    }

    @Override
    public void requestProgress() {
        store.requestProgress();
    }

    @Override
    public long revision() {
        return store.revision();
    }

    @Override
    public void compact(long revision) {
        store.compact(revision);
    }

    @Override
    public void close() {
        store.close();
    }
}
