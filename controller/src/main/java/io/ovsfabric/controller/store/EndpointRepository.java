package io.ovsfabric.controller.store;

import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.controller.model.EndpointRecord;
import io.ovsfabric.controller.model.Versioned;
import io.ovsfabric.controller.store.Txn.Cmp;
import io.ovsfabric.controller.store.Txn.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The endpoint aggregate: endpoint records by address ({@code addresses/<net>/<ip>}) and allocation handles
 * ({@code handles/<net>/<endpoint>} -> address). The only place that knows these keys and how their transactions
 * look. Writes return whether they applied ({@code false}: someone changed one of the keys first; re-read).
 *
 * <p>The invariant kept here: an address has at most one holder and a handle at most one address, because both keys
 * are create-if-absent and written together ({@link #allocate}).
 */
public final class EndpointRepository extends Repository {
    private final WatchCache cache;

    EndpointRepository(KvStore store, KeyLayout keys, JsonCodec codec, WatchCache cache) {
        super(store, keys, codec);
        this.cache = cache;
    }

    /**
     * Runs {@code read} on the held addresses of a network as the watch cache has them now (bit i set: the subnet's
     * i-th address is held), under the cache's lock; empty when the cache does not follow etcd or does not know the
     * network. The cache may lag: choose with it, then let {@link #allocate}'s conditions decide.
     */
    public <T> Optional<T> withHeldOffsets(String networkId, java.util.function.Function<java.util.BitSet, T> read) {
        return cache.withHeld(networkId, read);
    }

    /** Waits (bounded) until the watch cache has every revision this controller has seen; false if it did not. */
    public boolean awaitCache() {
        return cache.awaitSeen();
    }

    /** The revision the watch cache has applied everything up to (0 when it is not running). */
    public long cachedRevision() {
        return cache.running() ? cache.revision() : 0;
    }

    /** The endpoint holding an address. */
    public Optional<Versioned<EndpointRecord>> atAddress(String networkId, Ipv4Address address) {
        return store.get(keys.address(networkId, address)).map(kv -> versioned(kv, EndpointRecord.class));
    }

    /**
     * The endpoint at the address a handle points to. The record may belong to another endpoint when the address was
     * released and re-used meanwhile: callers compare {@code endpointId()}.
     */
    public Optional<Versioned<EndpointRecord>> atHandle(String networkId, String endpointId) {
        return store.get(keys.handle(networkId, endpointId)).flatMap(h -> atAddress(networkId, Ipv4Address.parse(h.value())));
    }

    /** The addresses held in a network. */
    public Set<Ipv4Address> heldAddresses(String networkId) {
        String prefix = keys.addressesPrefix(networkId);
        return store.getPrefix(prefix).kvs().stream().map(kv -> Ipv4Address.parse(kv.key().substring(prefix.length())))
                .collect(Collectors.toSet());
    }

    /** Every endpoint of one network, in key order. */
    public List<Versioned<EndpointRecord>> inNetwork(String networkId) {
        return read(store.getPrefix(keys.addressesPrefix(networkId)));
    }

    /** Every endpoint of every network, in key order. */
    public List<Versioned<EndpointRecord>> all() {
        return read(store.getPrefix(keys.addressesPrefix()));
    }

    /** Every endpoint as it was at an older revision; COMPACTED if etcd no longer has it. */
    public List<Versioned<EndpointRecord>> allAt(long revision) {
        return read(store.getPrefix(keys.addressesPrefix(), revision));
    }

    /**
     * Gives {@code record.address()} to {@code record.endpointId()}: writes the address and the handle if both are
     * free and {@code network} (its {@link NetworkRepository#open} condition) still holds.
     */
    public boolean allocate(EndpointRecord record, TxnPart network) {
        return allocateAt(record, network).succeeded();
    }

    /** As {@link #allocate}, with the revision etcd answered at (the winner's, or later, when it did not apply). */
    public TxnResult allocateAt(EndpointRecord record, TxnPart network) {
        return allocateAllAt(List.of(record), network);
    }

    /**
     * As {@link #allocateAt} for several endpoints of one network in one transaction: all of them or none. Their
     * addresses and handles must be distinct (etcd refuses a transaction that writes a key twice).
     */
    public TxnResult allocateAllAt(List<EndpointRecord> records, TxnPart network) {
        List<Cmp> free = new ArrayList<>();
        List<Op> writes = new ArrayList<>();
        for (EndpointRecord record : records) {
            String address = keys.address(record.networkId(), record.address());
            String handle = keys.handle(record.networkId(), record.endpointId());
            free.add(Cmp.absent(address));
            free.add(Cmp.absent(handle));
            writes.add(Op.put(address, codec.encode(record)));
            writes.add(Op.put(handle, record.address().toString()));
        }
        return commitAt(network, new TxnPart(free, List.of()), new TxnPart(List.of(), writes));
    }

    /** Rewrites an endpoint's record, if unchanged since read. */
    public boolean update(Versioned<EndpointRecord> current, EndpointRecord updated) {
        String address = keys.address(current.value().networkId(), current.value().address());
        return commit(TxnPart.when(Cmp.modRevision(address, current.modRevision())), TxnPart.then(Op.put(address, codec.encode(updated))));
    }

    /** Frees an endpoint's address and handle, if its record is unchanged since read. */
    public boolean release(Versioned<EndpointRecord> current) {
        EndpointRecord e = current.value();
        String address = keys.address(e.networkId(), e.address());
        return commit(TxnPart.when(Cmp.modRevision(address, current.modRevision())),
                TxnPart.then(Op.delete(address), Op.delete(keys.handle(e.networkId(), e.endpointId()))));
    }

    /** Every address and handle of a network, for the transaction that deletes the network. */
    public TxnPart everythingIn(String networkId) {
        return TxnPart.then(Op.deletePrefix(keys.addressesPrefix(networkId)), Op.deletePrefix(keys.handlesPrefix(networkId)));
    }

    private List<Versioned<EndpointRecord>> read(KvRange range) {
        return versioned(range, EndpointRecord.class);
    }
}
