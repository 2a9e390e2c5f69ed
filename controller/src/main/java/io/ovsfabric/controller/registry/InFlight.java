package io.ovsfabric.controller.registry;

import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.FabricException.Code;
import io.ovsfabric.controller.ipam.AddressPool;
import io.ovsfabric.controller.model.NetworkRecord;
import io.ovsfabric.controller.store.EndpointRepository;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The addresses this controller is trying, or has just taken or lost, that the watch cache may not show yet: an
 * address is tracked from the moment an allocation picks it until the cache has applied the revision its
 * transaction answered at. Allocations of one controller therefore never pick the same candidate, and never
 * re-pick an address before the cache knows its fate (so concurrent allocations cost one transaction each).
 */
final class InFlight {
    private static final long TRYING = 0;
    private static final long SETTLE_WAIT_MS = 100;

    private final EndpointRepository endpoints;
    private final Map<String, Map<Ipv4Address, Long>> byNetwork = new HashMap<>(); // guarded by this

    /** A candidate; {@code address} empty when the cache cannot answer (read etcd), {@code busy} when only
     *  tracked addresses are left (wait for them to settle, then look again). */
    record Pick(Optional<Ipv4Address> address, boolean busy) {}

    InFlight(EndpointRepository endpoints) {
        this.endpoints = endpoints;
    }

    /** Picks and tracks the first free address from {@code start}; EXHAUSTED when the cache shows the network full. */
    synchronized Pick reserve(NetworkRecord n, AddressPool pool, long start) {
        long seen = endpoints.cachedRevision();
        Map<Ipv4Address, Long> mine = byNetwork.computeIfAbsent(n.id(), id -> new HashMap<>());
        mine.values().removeIf(rev -> rev != TRYING && rev <= seen);
        Optional<Optional<Ipv4Address>> chosen = endpoints.withHeldOffsets(n.id(), held -> pool.choose(held, mine.keySet(), start));
        if (chosen.isEmpty()) {
            return new Pick(Optional.empty(), false);
        }
        if (chosen.get().isEmpty()) {
            if (!mine.isEmpty()) {
                return new Pick(Optional.empty(), true);
            }
            long held = endpoints.withHeldOffsets(n.id(), java.util.BitSet::cardinality).orElse(0);
            throw new FabricException(Code.EXHAUSTED, "network " + n.name() + " (" + n.subnet() + ") has " + pool.usable()
                    + " endpoint addresses and all " + held + " are held; release some or create a larger network");
        }
        mine.put(chosen.get().get(), TRYING);
        return new Pick(chosen.get(), false);
    }

    /** Tracks an address chosen from etcd directly. */
    synchronized void track(String networkId, Ipv4Address address) {
        byNetwork.computeIfAbsent(networkId, id -> new HashMap<>()).put(address, TRYING);
    }

    /** The transaction on {@code address} answered at {@code revision}: keep it out until the cache has that revision. */
    synchronized void settle(String networkId, Ipv4Address address, long revision) {
        byNetwork.computeIfAbsent(networkId, id -> new HashMap<>()).put(address, Math.max(revision, 1));
        notifyAll();
    }

    /** For a choice read from etcd (which knows every settled transaction): the addresses being tried now. */
    synchronized Set<Ipv4Address> excluded(String networkId) {
        Map<Ipv4Address, Long> mine = byNetwork.getOrDefault(networkId, new HashMap<>());
        mine.values().removeIf(rev -> rev != TRYING);
        return new HashSet<>(mine.keySet());
    }

    /** Waits a little for allocations in flight to settle. */
    synchronized void awaitSettled() {
        try {
            wait(SETTLE_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FabricException(Code.UNAVAILABLE, "interrupted while waiting for allocations in flight", e);
        }
    }
}
