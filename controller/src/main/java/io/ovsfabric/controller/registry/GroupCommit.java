package io.ovsfabric.controller.registry;

import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.FabricException.Code;
import io.ovsfabric.controller.model.EndpointRecord;
import io.ovsfabric.controller.model.NetworkRecord;
import io.ovsfabric.controller.model.Versioned;
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

/**
 * Group commit of concurrent allocations: the allocations of one network (at one version) that arrive while earlier
 * transactions of that network are in flight are written together, in one etcd transaction, by whichever of their
 * threads gets the next slot. With 16 clients that turns 16 transactions into two or three, which is what lets IPAM
 * run near the store's speed; a lone allocation commits at once, alone, as before.
 *
 * <p>A batch is all or nothing (its conditions are every member's). When it fails, for instance because another
 * controller took one of the addresses, each member commits again alone, so one lost address costs the others one
 * extra transaction and never their allocation. A batch never holds two allocations of the same handle or address:
 * etcd refuses a transaction that writes one key twice.
 */
final class GroupCommit {
    /** etcd's default --max-txn-ops is 128; a batch has 2 conditions and 2 writes per allocation, plus the network's 2. */
    static final int MAX_BATCH = 32;
    /** Two batches in flight per network: one is being written while the next fills. */
    static final int MAX_IN_FLIGHT = 2;

    /** Writes every record, conditioned on each address and handle being free and the network unchanged. */
    interface Committer {
        TxnResult commit(List<EndpointRecord> records, Versioned<NetworkRecord> network);
    }

    private final Committer committer;
    private final Map<String, Lane> lanes = new HashMap<>(); // guarded by this

    GroupCommit(Committer committer) {
        this.committer = committer;
    }

    /** Commits one allocation, with others if they are waiting; its transaction's result (an exception: unknown outcome). */
    TxnResult commit(EndpointRecord record, Versioned<NetworkRecord> network) {
        String laneKey = record.networkId() + "@" + network.modRevision();
        Pending mine = new Pending(record);
        List<Pending> batch = awaitBatchOrOutcome(laneKey, mine);
        if (batch != null) {
            commitBatch(laneKey, batch, network);
        }
        return mine.outcome(this, network); // outside the lock: it may commit again, alone
    }

    /** Null when another thread committed this allocation; else the batch (holding it) this thread must commit. */
    private synchronized List<Pending> awaitBatchOrOutcome(String laneKey, Pending mine) {
        Lane lane = lanes.computeIfAbsent(laneKey, k -> new Lane());
        lane.waiting.add(mine);
        while (!mine.done) {
            if (lane.inFlight < MAX_IN_FLIGHT && lane.waiting.peekFirst() == mine) {
                lane.inFlight++;
                return lane.take();
            }
            awaitTurn();
        }
        return null;
    }

    private void commitBatch(String laneKey, List<Pending> batch, Versioned<NetworkRecord> network) {
        TxnResult result = null;
        RuntimeException error = null;
        try {
            result = committer.commit(batch.stream().map(p -> p.record).toList(), network);
        } catch (RuntimeException e) {
            error = e;
        }
        synchronized (this) {
            for (Pending p : batch) {
                p.finish(result, error, batch.size());
            }
            Lane lane = lanes.get(laneKey);
            lane.inFlight--;
            if (lane.inFlight == 0 && lane.waiting.isEmpty()) {
                lanes.remove(laneKey);
            }
            notifyAll();
        }
    }

    private TxnResult commitAlone(EndpointRecord record, Versioned<NetworkRecord> network) {
        return committer.commit(List.of(record), network);
    }

    private void awaitTurn() {
        try {
            wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FabricException(Code.UNAVAILABLE, "interrupted while waiting to commit an allocation", e);
        }
    }

    /** The allocations of one network version waiting for a slot, and how many of its batches are in flight. */
    private static final class Lane {
        final Deque<Pending> waiting = new ArrayDeque<>();
        int inFlight;

        /** Up to MAX_BATCH waiting allocations, oldest first, no handle or address twice (the rest wait). */
        List<Pending> take() {
            List<Pending> batch = new ArrayList<>();
            Set<String> handles = new HashSet<>();
            Set<Ipv4Address> addresses = new HashSet<>();
            for (Iterator<Pending> it = waiting.iterator(); it.hasNext() && batch.size() < MAX_BATCH; ) {
                Pending p = it.next();
                if (!handles.contains(p.record.endpointId()) && !addresses.contains(p.record.address())) {
                    handles.add(p.record.endpointId());
                    addresses.add(p.record.address());
                    batch.add(p);
                    it.remove();
                }
            }
            return batch;
        }
    }

    private static final class Pending {
        final EndpointRecord record;
        boolean done;
        TxnResult result;
        RuntimeException error;
        int batchSize;

        Pending(EndpointRecord record) {
            this.record = record;
        }

        void finish(TxnResult result, RuntimeException error, int batchSize) {
            this.result = result;
            this.error = error;
            this.batchSize = batchSize;
            this.done = true;
        }

        /** A lost batch of several says nothing about this allocation alone: it commits again, alone. */
        TxnResult outcome(GroupCommit group, Versioned<NetworkRecord> network) {
            if (error != null) {
                throw error;
            }
            if (result.succeeded() || batchSize == 1) {
                return result;
            }
            return group.commitAlone(record, network);
        }
    }
}
