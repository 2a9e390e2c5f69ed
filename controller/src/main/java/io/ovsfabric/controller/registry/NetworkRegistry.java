package io.ovsfabric.controller.registry;

import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.FabricException.Code;
import io.ovsfabric.controller.ipam.NetworkInput;
import io.ovsfabric.controller.model.FabricPlan;
import io.ovsfabric.controller.model.NetworkRecord;
import io.ovsfabric.controller.model.Versioned;
import io.ovsfabric.controller.model.EndpointRecord;
import io.ovsfabric.controller.store.EndpointRepository;
import io.ovsfabric.controller.store.NetworkRepository;
import io.ovsfabric.controller.store.TxnPart;
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
 * User-defined multi-host networks. Creating one checks name uniqueness and subnet overlaps against the
 * {@link NetworkRepository#catalog() catalog} and commits only if no other network was created or deleted meanwhile,
 * claiming the name and a GRE key. Deleting one first marks it as being deleted, so that no allocation can slip in
 * between counting its endpoints and removing them, then removes it and its endpoints in one transaction.
 */
public final class NetworkRegistry {
    private static final Logger log = LoggerFactory.getLogger(NetworkRegistry.class);
    /** User networks get GRE keys from here up (the default network's key is set by --tunnel-key). */
    public static final long FIRST_NETWORK_TUNNEL_KEY = 4096;
    private static final int MAX_ATTEMPTS = 32;

    private final NetworkRepository networks;
    private final EndpointRepository endpoints;
    private final FabricPlan plan;
    private final Clock clock;

    public record Deleted(NetworkRecord network, int releasedAddresses) {}

    public NetworkRegistry(NetworkRepository networks, EndpointRepository endpoints, FabricPlan plan, Clock clock) {
        this.networks = networks;
        this.endpoints = endpoints;
        this.plan = plan;
        this.clock = clock;
    }

    /** Creates a network; creating the same name with the same subnet again returns the existing one. */
    public NetworkRecord create(String name, String subnet, String gateway, Map<String, String> labels) {
        NetworkInput input = NetworkInput.parse(name, subnet, gateway, plan);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            NetworkRepository.Catalog catalog = networks.catalog();
            List<Versioned<NetworkRecord>> all = catalog.networks();
            Optional<NetworkRecord> sameName = all.stream().map(Versioned::value).filter(n -> n.name().equals(name)).findFirst();
            if (sameName.isPresent()) {
                NetworkRecord existing = sameName.get();
                if (existing.subnet().equals(input.subnet()) && existing.gateway().equals(input.gateway())) {
                    return existing;
                }
                throw new FabricException(Code.CONFLICT, "a network named " + name + " already exists with subnet "
                        + existing.subnet() + " (gateway " + existing.gateway() + ", id " + existing.id() + ")");
            }
            for (Versioned<NetworkRecord> other : all) {
                if (other.value().subnet().overlaps(input.subnet())) {
                    throw new FabricException(Code.CONFLICT, "subnet " + input.subnet() + " overlaps network "
                            + other.value().name() + " (" + other.value().subnet() + "): networks must not share addresses");
                }
            }
            long tunnelKey = freeTunnelKey();
            NetworkRecord network = new NetworkRecord(UUID.randomUUID().toString().replace("-", ""), name, input.subnet(),
                    input.gateway(), tunnelKey, labels, clock.millis());
            if (networks.create(catalog, network)) {
                log.info("created network {} ({}): subnet {}, gateway {}, GRE key {}", name, network.id(), network.subnet(),
                        network.gateway(), tunnelKey);
                return network;
            }
        }
        throw new FabricException(Code.CONTENDED, "could not create network " + name + ": other network changes kept winning; retry");
    }

    public List<NetworkRecord> list() {
        return networks.all().stream().map(Versioned::value).sorted(Comparator.comparing(NetworkRecord::name)).toList();
    }

    /** A network by id or name. */
    public Optional<Versioned<NetworkRecord>> find(String nameOrId) {
        if (nameOrId == null || nameOrId.isBlank()) {
            return Optional.empty();
        }
        if (nameOrId.contains("/")) {
            return Optional.empty();
        }
        Optional<Versioned<NetworkRecord>> byId = networks.byId(nameOrId);
        return byId.isPresent() ? byId : networks.byName(nameOrId);
    }

    public Versioned<NetworkRecord> require(String nameOrId) {
        return find(nameOrId).orElseThrow(() -> new FabricException(Code.NOT_FOUND, "no network '" + nameOrId
                + "' (list them with 'ovsfabricctl network ls')"));
    }

    /**
     * A network by id or name from the controller's watch cache (it may lag etcd by a moment: only for writes
     * conditioned on {@link #open}, which then fail and re-read), else from etcd.
     */
    public Versioned<NetworkRecord> requireCached(String nameOrId) {
        Optional<Versioned<NetworkRecord>> cached = nameOrId == null || nameOrId.isBlank() || nameOrId.contains("/")
                ? Optional.empty() : networks.cached(nameOrId);
        return cached.isPresent() ? cached.get() : require(nameOrId);
    }

    /** Deletes a network; refused while endpoints hold addresses in it unless forced (which releases them). */
    public Deleted delete(String nameOrId, boolean force) {
        NetworkRecord network = require(nameOrId).value();
        if (!networks.markDeleting(network.id())) {
            throw new FabricException(Code.CONTENDED, "network " + network.name() + " is already being deleted; retry");
        }
        boolean deleted = false;
        try {
            List<Versioned<EndpointRecord>> addresses = endpoints.inNetwork(network.id());
            if (!addresses.isEmpty() && !force) {
                Set<String> hosts = new HashSet<>();
                addresses.forEach(e -> hosts.add(e.value().hostId().value()));
                throw new FabricException(Code.REFUSED, "network " + network.name() + " still has " + addresses.size()
                        + " endpoints (on hosts " + String.join(", ", hosts.stream().sorted().toList()) + "): disconnect their"
                        + " containers first, or pass --force to release their addresses");
            }
            for (int attempt = 0; attempt < MAX_ATTEMPTS && !deleted; attempt++) {
                deleted = networks.delete(networks.guard(), network, endpoints.everythingIn(network.id()));
            }
            if (!deleted) {
                throw new FabricException(Code.CONTENDED, "could not delete network " + network.name() + ": other network changes kept winning; retry");
            }
            log.info("deleted network {} ({}){}", network.name(), network.id(),
                    addresses.isEmpty() ? "" : ", released " + addresses.size() + " endpoint addresses");
            return new Deleted(network, addresses.size());
        } finally {
            if (!deleted) {
                networks.unmarkDeleting(network.id());
            }
        }
    }

    /** The condition, for an allocation's transaction, that the network is unchanged since read and not being deleted. */
    public TxnPart open(Versioned<NetworkRecord> network) {
        return networks.open(network);
    }

    /** Whether the network is gone or being deleted. */
    public boolean closed(String networkId) {
        return networks.closed(networkId);
    }

    private long freeTunnelKey() {
        Set<Long> taken = networks.tunnelKeys();
        long key = FIRST_NETWORK_TUNNEL_KEY;
        while (taken.contains(key) || key == plan.tunnelKey()) {
            key++;
        }
        return key;
    }
}
