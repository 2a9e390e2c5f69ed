package io.ovsfabric.controller.store;

import java.time.Duration;
import java.util.Optional;

/**
 * The key-value store seam (etcd in production, {@code FakeKvStore} in unit tests). Keys and values are text.
 * Failures are {@link io.ovsfabric.controller.FabricException}s: UNAVAILABLE when the store cannot be reached (safe
 * to retry reads; a failed {@link #commit} may or may not have been applied, so callers re-read before retrying),
 * COMPACTED when a revision is gone.
 */
public interface KvStore extends AutoCloseable {

    Optional<KeyValue> get(String key);

    /** Every key under the prefix, in key order, and the store revision the read saw. */
    KvRange getPrefix(String prefix);

    /** The prefix as it was at an older revision; COMPACTED if that revision is no longer kept. */
    KvRange getPrefix(String prefix, long revision);

    /** Applies the transaction's operations atomically if and only if all its conditions hold. */
    TxnResult commit(Txn txn);

    /** A new lease; keys put with it vanish when it expires or is revoked. Returns the lease id. */
    long grantLease(Duration ttl);

    /**
     * {@code count} new leases at once (the store may grant them in parallel: one round trip's worth of time, not
     * {@code count}). Returns their ids; fails as {@link #grantLease} does (leases granted before a failure expire).
     */
    default java.util.List<Long> grantLeases(Duration ttl, int count) {
        java.util.List<Long> ids = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(grantLease(ttl));
        }
        return ids;
    }

    /** Refreshes a lease once; returns its TTL in seconds. NOT_FOUND when the lease has expired or was revoked. */
    long keepAliveOnce(long leaseId);

    /** Revokes a lease (its keys are deleted). Revoking a lease that is gone succeeds. */
    void revokeLease(long leaseId);

    /**
     * Watches every key under the prefix, starting at {@code fromRevision} (inclusive). Events arrive grouped by
     * revision, in order, one callback at a time. If {@code fromRevision} is compacted, the listener's
     * {@code onCompacted} is called and the watch ends.
     */
    WatchHandle watch(String prefix, long fromRevision, WatchListener listener);

    /**
     * Watches every key in {@code [fromKey, toKey)} the same way as {@link #watch}: one watch for several adjacent
     * prefixes (the topology's), leaving out what sorts at or after {@code toKey} (reports).
     */
    WatchHandle watchRange(String fromKey, String toKey, long fromRevision, WatchListener listener);

    /**
     * Asks every open watch to tell its listener ({@link WatchListener#onProgress}) the revision up to which it has
     * delivered everything, even when no watched key changed (etcd's progress request). Fire and forget.
     */
    default void requestProgress() {}

    /** The store's current revision. */
    long revision();

    /**
     * Forgets the history up to {@code revision} (etcd's compaction): older revisions can no longer be read or
     * watched from. Compacting to a revision that is already compacted succeeds.
     */
    void compact(long revision);

    @Override
    void close();

    /** Stops a watch; closing twice is harmless. */
    interface WatchHandle extends AutoCloseable {
        @Override
        void close();
    }
}
