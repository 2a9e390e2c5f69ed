package io.ovsfabric.controller.registry;

import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.FabricException.Code;
import io.ovsfabric.controller.ipam.NetworkInput;
import io.ovsfabric.controller.model.FabricPlan;
import io.ovsfabric.controller.model.NetworkRecord;
import io.ovsfabric.controller.model.Versioned;
import io.ovsfabric.controller.store.JsonCodec;
import io.ovsfabric.controller.store.KeyLayout;
import io.ovsfabric.controller.store.KeyValue;
import io.ovsfabric.controller.store.KvStore;
import io.ovsfabric.controller.store.Txn;
import io.ovsfabric.controller.store.Txn.Cmp;
import io.ovsfabric.controller.store.Txn.Op;
import java.time.Clock;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * User-defined multi-host networks. Creating one checks name uniqueness and subnet overlaps against a consistent
 * read and commits only if no other network was created or deleted meanwhile (the network-guard key's revision),
 * claiming the name and a GRE key with create-if-absent keys. Deleting one first marks it as being deleted, so that
 * no allocation can slip in between counting its endpoints and removing them.
 */
public final class NetworkRegistry {
    private static final Logger log = LoggerFactory.getLogger(NetworkRegistry.class);
    /** User networks get GRE keys from here up (the default network's key is set by --tunnel-key). */
    public static final long FIRST_NETWORK_TUNNEL_KEY = 4096;
    private static final int MAX_ATTEMPTS = 32;

    private final KvStore store;
    private final KeyLayout keys;
    private final JsonCodec codec;
    private final FabricPlan plan;
    private final Clock clock;

    public record Deleted(NetworkRecord network, int releasedAddresses) {}

    public NetworkRegistry(KvStore store, KeyLayout keys, JsonCodec codec, FabricPlan plan, Clock clock) {
        this.store = store;
        this.keys = keys;
        this.codec = codec;
        this.plan = plan;
        this.clock = clock;
    }

    /** Creates a network; creating the same name with the same subnet again returns the existing one. */
    public NetworkRecord create(String name, String subnet, String gateway, Map<String, String> labels) {
        NetworkInput input = NetworkInput.parse(name, subnet, gateway, plan);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<KeyValue> guard = store.get(keys.networkGuard());
            List<Versioned<NetworkRecord>> all = all();
            Optional<NetworkRecord> sameName = all.stream().map(Versioned::value).filter(n -> n.name().equals(name)).findFirst();
            if (sameName.isPresent()) {
                NetworkRecord existing = sameName.get();
                if (existing.subnet().equals(input.subnet()) && existing.gateway().equals(input.gateway())) {
                    return existing;
                }
                throw new FabricException(Code.ALREADY_EXISTS, "a network named " + name + " already exists with subnet "
                        + existing.subnet() + " (gateway " + existing.gateway() + ", id " + existing.id() + ")");
            }
            for (Versioned<NetworkRecord> other : all) {
                if (other.value().subnet().overlaps(input.subnet())) {
                    throw new FabricException(Code.ALREADY_EXISTS, "subnet " + input.subnet() + " overlaps network "
                            + other.value().name() + " (" + other.value().subnet() + "): networks must not share addresses");
                }
            }
            long tunnelKey = freeTunnelKey();
            NetworkRecord network = new NetworkRecord(UUID.randomUUID().toString().replace("-", ""), name, input.subnet(),
                    input.gateway(), tunnelKey, labels, clock.millis());
            Cmp guardCondition = guard.map(g -> Cmp.modRevision(keys.networkGuard(), g.modRevision())).orElse(Cmp.absent(keys.networkGuard()));
            Txn txn = Txn.when(guardCondition, Cmp.absent(keys.networkName(name)), Cmp.absent(keys.tunnelKey(tunnelKey)))
                    .then(Op.put(keys.networkGuard(), "created " + network.id()),
                            Op.put(keys.network(network.id()), codec.encode(network)),
                            Op.put(keys.networkName(name), network.id()),
                            Op.put(keys.tunnelKey(tunnelKey), network.id()));
            if (store.commit(txn).succeeded()) {
                log.info("created network {} ({}): subnet {}, gateway {}, GRE key {}", name, network.id(), network.subnet(),
                        network.gateway(), tunnelKey);
                return network;
            }
        }
        throw new FabricException(Code.ABORTED, "could not create network " + name + ": other network changes kept winning; retry");
    }

    public List<NetworkRecord> list() {
        return all().stream().map(Versioned::value).sorted(Comparator.comparing(NetworkRecord::name)).toList();
    }

    /** A network by id or name. */
    public Optional<Versioned<NetworkRecord>> find(String nameOrId) {
        if (nameOrId == null || nameOrId.isBlank()) {
            return Optional.empty();
        }
        Optional<Versioned<NetworkRecord>> byId = nameOrId.contains("/") ? Optional.empty() : read(nameOrId);
        if (byId.isPresent()) {
            return byId;
        }
        return nameOrId.contains("/") ? Optional.empty() : store.get(keys.networkName(nameOrId)).flatMap(kv -> read(kv.value()));
    }

    public Versioned<NetworkRecord> require(String nameOrId) {
        return find(nameOrId).orElseThrow(() -> new FabricException(Code.NOT_FOUND, "no network '" + nameOrId
                + "' (list them with 'ovsfabricctl network ls')"));
    }

    /** Deletes a network; refused while endpoints hold addresses in it unless forced (which releases them). */
    public Deleted delete(String nameOrId, boolean force) {
        NetworkRecord network = require(nameOrId).value();
        String mark = keys.networkDeleting(network.id());
        if (!store.commit(Txn.when(Cmp.absent(mark)).then(Op.put(mark, "deleting"))).succeeded()) {
            throw new FabricException(Code.ABORTED, "network " + network.name() + " is already being deleted; retry");
        }
        boolean deleted = false;
        try {
            List<KeyValue> addresses = store.getPrefix(keys.addressesPrefix(network.id())).kvs();
            if (!addresses.isEmpty() && !force) {
                Set<String> hosts = new HashSet<>();
                addresses.forEach(kv -> hosts.add(codec.decode(kv.key(), kv.value(), io.ovsfabric.controller.model.EndpointRecord.class)
                        .hostId().value()));
                throw new FabricException(Code.FAILED_PRECONDITION, "network " + network.name() + " still has " + addresses.size()
                        + " endpoints (on hosts " + String.join(", ", hosts.stream().sorted().toList()) + "): disconnect their"
                        + " containers first, or pass --force to release their addresses");
            }
            for (int attempt = 0; attempt < MAX_ATTEMPTS && !deleted; attempt++) {
                Optional<KeyValue> guard = store.get(keys.networkGuard());
                Cmp guardCondition = guard.map(g -> Cmp.modRevision(keys.networkGuard(), g.modRevision())).orElse(Cmp.absent(keys.networkGuard()));
                deleted = store.commit(Txn.when(guardCondition).then(Op.put(keys.networkGuard(), "deleted " + network.id()),
                        Op.delete(keys.network(network.id())), Op.delete(keys.networkName(network.name())),
                        Op.delete(keys.tunnelKey(network.tunnelKey())), Op.deletePrefix(keys.addressesPrefix(network.id())),
                        Op.deletePrefix(keys.handlesPrefix(network.id())), Op.delete(mark))).succeeded();
            }
            if (!deleted) {
                throw new FabricException(Code.ABORTED, "could not delete network " + network.name() + ": other network changes kept winning; retry");
            }
            log.info("deleted network {} ({}){}", network.name(), network.id(),
                    addresses.isEmpty() ? "" : ", released " + addresses.size() + " endpoint addresses");
            return new Deleted(network, addresses.size());
        } finally {
            if (!deleted) {
                store.commit(Txn.when().then(Op.delete(mark)));
            }
        }
    }

    private List<Versioned<NetworkRecord>> all() {
        return store.getPrefix(keys.networksPrefix()).kvs().stream()
                .map(kv -> new Versioned<>(codec.decode(kv.key(), kv.value(), NetworkRecord.class), kv.modRevision())).toList();
    }

    private Optional<Versioned<NetworkRecord>> read(String id) {
        return store.get(keys.network(id)).map(kv -> new Versioned<>(codec.decode(kv.key(), kv.value(), NetworkRecord.class), kv.modRevision()));
    }

    private long freeTunnelKey() {
        Set<Long> taken = new HashSet<>();
        for (KeyValue kv : store.getPrefix(keys.tunnelKeysPrefix()).kvs()) {
            taken.add(Long.parseLong(kv.key().substring(keys.tunnelKeysPrefix().length())));
        }
        long key = FIRST_NETWORK_TUNNEL_KEY;
        while (taken.contains(key) || key == plan.tunnelKey()) {
            key++;
        }
        return key;
    }
}
