package io.ovsfabric.controller.store;

import io.ovsfabric.controller.model.NetworkRecord;
import io.ovsfabric.controller.model.Versioned;
import io.ovsfabric.controller.store.Txn.Cmp;
import io.ovsfabric.controller.store.Txn.Op;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The network aggregate: network records ({@code networks/}), their unique names ({@code network-names/}) and GRE
 * keys ({@code tunnel-keys/}), the {@code network-guard} key every create and delete rewrites, and the
 * {@code network-deleting/} marks. The only place that knows these keys and how their transactions look.
 *
 * <p>The invariants kept here: no two networks share a name or a GRE key (create-if-absent keys), and overlap checks
 * are serialized (a create or delete commits only if the guard is as read in the same {@link Catalog}, so two racing
 * creations cannot both pass an overlap check). What must not happen in a network while it is being deleted is
 * expressed by {@link #open}, a condition other repositories' transactions include.
 */
public final class NetworkRepository extends Repository {
    /** The network guard as read; a write at this guard fails if any network was created or deleted since. */
    public record Guard(long revision) {}

    /** Every network, read after the guard: a write at {@link #guard} saw all of them. */
    public record Catalog(Guard guard, List<Versioned<NetworkRecord>> networks) {}

    private final WatchCache cache;

    NetworkRepository(KvStore store, KeyLayout keys, JsonCodec codec, WatchCache cache) {
        super(store, keys, codec);
        this.cache = cache;
    }

    /**
     * A network by id or name as the watch cache has it (it may lag etcd by a moment: use it only under a
     * transaction conditioned on {@link #open}), else read from etcd.
     */
    public Optional<Versioned<NetworkRecord>> cached(String nameOrId) {
        Optional<Versioned<NetworkRecord>> hit = cache.network(nameOrId);
        if (hit.isPresent()) {
            return hit;
        }
        Optional<Versioned<NetworkRecord>> byId = byId(nameOrId);
        return byId.isPresent() ? byId : byName(nameOrId);
    }

    /** The guard, then every network (in that order: a change in between makes a write at this catalog fail). */
    public Catalog catalog() {
        Guard guard = guard();
        return new Catalog(guard, all());
    }

    public Guard guard() {
        return new Guard(store.get(keys.networkGuard()).map(KeyValue::modRevision).orElse(0L));
    }

    public List<Versioned<NetworkRecord>> all() {
        return versioned(store.getPrefix(keys.networksPrefix()), NetworkRecord.class);
    }

    public Optional<Versioned<NetworkRecord>> byId(String id) {
        return store.get(keys.network(id)).map(kv -> versioned(kv, NetworkRecord.class));
    }

    /** The network holding a name. */
    public Optional<Versioned<NetworkRecord>> byName(String name) {
        return store.get(keys.networkName(name)).flatMap(kv -> byId(kv.value()));
    }

    /** Every GRE key a user network holds. */
    public Set<Long> tunnelKeys() {
        String prefix = keys.tunnelKeysPrefix();
        return store.getPrefix(prefix).kvs().stream().map(kv -> Long.parseLong(kv.key().substring(prefix.length())))
                .collect(Collectors.toSet());
    }

    /** Creates a network with its name and GRE key, if no network changed since the catalog and both are free. */
    public boolean create(Catalog seen, NetworkRecord network) {
        return commit(guardAsSeen(seen.guard()), TxnPart.when(Cmp.absent(keys.networkName(network.name())),
                        Cmp.absent(keys.tunnelKey(network.tunnelKey()))),
                TxnPart.then(Op.put(keys.networkGuard(), "created " + network.id()),
                        Op.put(keys.network(network.id()), codec.encode(network)),
                        Op.put(keys.networkName(network.name()), network.id()),
                        Op.put(keys.tunnelKey(network.tunnelKey()), network.id())));
    }

    /** Marks a network as being deleted; false if it already is. */
    public boolean markDeleting(String networkId) {
        String mark = keys.networkDeleting(networkId);
        return commit(TxnPart.when(Cmp.absent(mark)), TxnPart.then(Op.put(mark, "deleting")));
    }

    /** Removes the mark of a delete that did not happen. */
    public void unmarkDeleting(String networkId) {
        commit(TxnPart.then(Op.delete(keys.networkDeleting(networkId))));
    }

    /** Whether the network is gone or being deleted (why a transaction conditional on {@link #open} failed). */
    public boolean closed(String networkId) {
        return store.get(keys.networkDeleting(networkId)).isPresent() || store.get(keys.network(networkId)).isEmpty();
    }

    /** The condition that the network is unchanged since read and not being deleted. */
    public TxnPart open(Versioned<NetworkRecord> network) {
        String id = network.value().id();
        return TxnPart.when(Cmp.modRevision(keys.network(id), network.modRevision()), Cmp.absent(keys.networkDeleting(id)));
    }

    /**
     * Deletes a network, its name, its GRE key and its deletion mark, together with {@code contents} (what other
     * aggregates keep in it: its endpoints), if no network was created or deleted since the guard was read.
     */
    public boolean delete(Guard seen, NetworkRecord network, TxnPart contents) {
        return commit(guardAsSeen(seen), TxnPart.then(Op.put(keys.networkGuard(), "deleted " + network.id()),
                Op.delete(keys.network(network.id())), Op.delete(keys.networkName(network.name())),
                Op.delete(keys.tunnelKey(network.tunnelKey()))), contents,
                TxnPart.then(Op.delete(keys.networkDeleting(network.id()))));
    }

    private TxnPart guardAsSeen(Guard seen) {
        return TxnPart.when(seen.revision() == 0 ? Cmp.absent(keys.networkGuard())
                : Cmp.modRevision(keys.networkGuard(), seen.revision()));
    }
}
