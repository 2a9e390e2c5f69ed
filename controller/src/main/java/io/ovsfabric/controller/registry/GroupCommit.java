package io.ovsfabric.controller.registry;

import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.FabricException.Code;
import io.ovsfabric.controller.store.TxnResult;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Group commit of concurrent conditional writes (address allocations, subnet claims): the writes of one lane (a
 * network at one version; the host registry) that arrive while earlier transactions of that lane are in flight are
 * committed together, in one etcd transaction, by whichever of their threads gets the next slot. With 16 clients
 * that turns 16 transactions into two or three, which is what lets IPAM run near the store's speed; a lone write
 * commits at once, alone, as before.
 *
 * <p>A batch is all or nothing (its conditions are every member's). When it fails, for instance because another
 * controller took one of the addresses, each member commits again alone, so one lost write costs the others one
 * extra transaction and never their own outcome. Two writes sharing a key (a handle, an address, a host, a subnet)
 * never share a batch: etcd refuses a transaction that writes one key twice.
 *
 * @param <T> one write, with everything its share of the transaction needs
 */
final class GroupCommit<T> {
    /** etcd's default --max-txn-ops is 128; an allocation takes 2 conditions and 2 writes, a claim 3 and 3. */
    static final int MAX_BATCH = 32;
    /** Two batches in flight per lane: one is being written while the next fills. */
    static final int MAX_IN_FLIGHT = 2;

    /** Writes every member in one transaction, under every member's conditions. */
    interface Committer<T> {
        TxnResult commit(List<T> batch);
    }

    private final Committer<T> committer;
    private final Function<T, Set<Object>> keys;
    private final Map<String, Lane<T>> lanes = new HashMap<>(); // guarded by this

    /** {@code keys}: what a write writes; writes sharing one never share a batch. */
    GroupCommit(Committer<T> committer, Function<T, Set<Object>> keys) {
        this.committer = committer;
        this.keys = keys;
    }

    /** Commits one write of {@code lane}, with others if they are waiting; its transaction's result (an exception: unknown outcome). */
    TxnResult commit(String lane, T write) {
        Pending<T> mine = new Pending<>(write);
        List<Pending<T>> batch = awaitBatchOrOutcome(lane, mine);
        if (batch != null) {
            commitBatch(lane, batch);
        }
        return mine.outcome(committer); // outside the lock: it may commit again, alone
    }

    /** Null when another thread committed this write; else the batch (holding it) this thread must commit. */
    private synchronized List<Pending<T>> awaitBatchOrOutcome(String laneKey, Pending<T> mine) {
        Lane<T> lane = lanes.computeIfAbsent(laneKey, k -> new Lane<>());
        lane.waiting.add(mine);
        while (!mine.done) {
            // wait() woken by notifyAll and an interrupt at once may return normally: look at the flag before a slot
            if (Thread.interrupted()) {
                throw leaveQueue(laneKey, lane, mine, null);
            }
            if (lane.inFlight < MAX_IN_FLIGHT && lane.waiting.peekFirst() == mine) {
                lane.inFlight++;
                return lane.take(keys);
            }
            try {
                wait();
            } catch (InterruptedException e) {
                throw leaveQueue(laneKey, lane, mine, e);
            }
        }
        return null;
    }

    private void commitBatch(String laneKey, List<Pending<T>> batch) {
        TxnResult result = null;
        RuntimeException error = null;
        try {
            result = committer.commit(batch.stream().map(p -> p.write).toList());
        } catch (RuntimeException e) {
            error = e;
        }
        synchronized (this) {
            for (Pending<T> p : batch) {
                p.finish(result, error, batch.size());
            }
            Lane<T> lane = lanes.get(laneKey);
            lane.inFlight--;
            if (lane.inFlight == 0 && lane.waiting.isEmpty()) {
                lanes.remove(laneKey);
            }
            notifyAll();
        }
    }

    /** Called holding the lock. An interrupted write leaves the queue, or it would block the writes behind it. */
    private FabricException leaveQueue(String laneKey, Lane<T> lane, Pending<T> mine, InterruptedException cause) {
        Thread.currentThread().interrupt();
        if (lane.waiting.remove(mine)) {
            if (lane.inFlight == 0 && lane.waiting.isEmpty()) {
                lanes.remove(laneKey);
            }
            notifyAll();
        }
        return new FabricException(Code.UNAVAILABLE, "interrupted while waiting to commit", cause);
    }

    /** The writes of one lane waiting for a slot, and how many of its batches are in flight. */
    private static final class Lane<T> {
        final Deque<Pending<T>> waiting = new ArrayDeque<>();
        int inFlight;

        /** Up to MAX_BATCH waiting writes, oldest first, no key twice (the rest wait). */
        List<Pending<T>> take(Function<T, Set<Object>> keys) {
            List<Pending<T>> batch = new ArrayList<>();
            Set<Object> taken = new HashSet<>();
            for (Iterator<Pending<T>> it = waiting.iterator(); it.hasNext() && batch.size() < MAX_BATCH; ) {
                Pending<T> p = it.next();
                Set<Object> mine = keys.apply(p.write);
                if (mine.stream().noneMatch(taken::contains)) {
                    taken.addAll(mine);
                    batch.add(p);
                    it.remove();
                }
            }
            return batch;
        }
    }

    private static final class Pending<T> {
        final T write;
        boolean done;
        TxnResult result;
        RuntimeException error;
        int batchSize;

        Pending(T write) {
            this.write = write;
        }

        void finish(TxnResult result, RuntimeException error, int batchSize) {
            this.result = result;
            this.error = error;
            this.batchSize = batchSize;
            this.done = true;
        }

        /** A lost batch of several says nothing about this write alone: it commits again, alone. */
        TxnResult outcome(Committer<T> committer) {
            if (error != null) {
                throw error;
            }
            if (result.succeeded() || batchSize == 1) {
                return result;
            }
            return committer.commit(List.of(write));
        }
    }
}
