package io.ovsfabric.controller.registry;

import io.ovsfabric.common.HostId;
import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.FabricException.Code;
import io.ovsfabric.controller.ipam.AddressPool;
import io.ovsfabric.controller.ipam.NetworkInput;
import io.ovsfabric.controller.model.EndpointRecord;
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
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Endpoint addresses in user networks. Each address is a create-if-absent key holding its endpoint (handle, host,
 * network), and each handle a create-if-absent key pointing at its address, written together: no address is ever
 * held twice in a network, and allocating the same handle again returns the same address.
 */
public final class EndpointRegistry implements HostRegistry.EndpointReleaser {
    private static final Logger log = LoggerFactory.getLogger(EndpointRegistry.class);
    private static final Pattern MAC = Pattern.compile("([0-9a-f]{2}:){5}[0-9a-f]{2}");
    private static final int MAX_ATTEMPTS = 64;

    private final KvStore store;
    private final KeyLayout keys;
    private final JsonCodec codec;
    private final NetworkRegistry networks;
    private final HostStore hosts;
    private final Clock clock;
    private final RandomGenerator random;

    public record Allocation(EndpointRecord endpoint, NetworkRecord network) {}

    public EndpointRegistry(KvStore store, KeyLayout keys, JsonCodec codec, NetworkRegistry networks, HostStore hosts, Clock clock,
            RandomGenerator random) {
        this.store = store;
        this.keys = keys;
        this.codec = codec;
        this.networks = networks;
        this.hosts = hosts;
        this.clock = clock;
        this.random = random;
    }

    /** Allocates an address for an endpoint (idempotent by handle); {@code preferred} may be empty. */
    public Allocation allocate(String network, String hostId, String endpointId, String preferred) {
        Versioned<NetworkRecord> net = networks.require(network);
        NetworkRecord n = net.value();
        HostId host = HostId.of(hostId);
        NetworkInput.requireHandle(endpointId);
        AddressPool pool = new AddressPool(n.subnet(), n.gateway());
        Optional<Ipv4Address> wanted = preferred == null || preferred.isBlank() ? Optional.empty()
                : Optional.of(pool.requireAssignable(preferred, n.name()));
        if (hosts.host(host).isEmpty()) {
            throw new FabricException(Code.FAILED_PRECONDITION, "host " + host + " is not registered: its agent must register"
                    + " before allocating addresses");
        }
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<EndpointRecord> existing = byHandle(n.id(), endpointId);
            if (existing.isPresent()) {
                EndpointRecord e = existing.get();
                if (!e.hostId().equals(host)) {
                    throw new FabricException(Code.ALREADY_EXISTS, "endpoint " + endpointId + " in network " + n.name()
                            + " is held by host " + e.hostId() + " (address " + e.address() + ")");
                }
                if (wanted.isPresent() && !wanted.get().equals(e.address())) {
                    throw new FabricException(Code.ALREADY_EXISTS, "endpoint " + endpointId + " already holds " + e.address()
                            + " in network " + n.name() + ", not " + wanted.get() + ": release it first");
                }
                return new Allocation(e, n);
            }
            Ipv4Address address;
            if (wanted.isPresent()) {
                address = wanted.get();
                Optional<KeyValue> holder = store.get(keys.address(n.id(), address));
                if (holder.isPresent()) {
                    EndpointRecord other = codec.decode(holder.get().key(), holder.get().value(), EndpointRecord.class);
                    throw new FabricException(Code.ALREADY_EXISTS, "address " + address + " in network " + n.name()
                            + " is held by endpoint " + other.endpointId() + " on host " + other.hostId());
                }
            } else {
                Set<Ipv4Address> held = new HashSet<>();
                String prefix = keys.addressesPrefix(n.id());
                store.getPrefix(prefix).kvs().forEach(kv -> held.add(Ipv4Address.parse(kv.key().substring(prefix.length()))));
                address = pool.choose(held, attempt, random).orElseThrow(() -> new FabricException(Code.RESOURCE_EXHAUSTED,
                        "network " + n.name() + " (" + n.subnet() + ") has " + pool.usable() + " endpoint addresses and all "
                                + held.size() + " are held; release some or create a larger network"));
            }
            EndpointRecord record = new EndpointRecord(n.id(), endpointId, host, address, "", "", "", List.of(), clock.millis());
            Txn txn = Txn.when(Cmp.modRevision(keys.network(n.id()), net.modRevision()), Cmp.absent(keys.networkDeleting(n.id())),
                    Cmp.absent(keys.address(n.id(), address)), Cmp.absent(keys.handle(n.id(), endpointId))).then(
                    Op.put(keys.address(n.id(), address), codec.encode(record)),
                    Op.put(keys.handle(n.id(), endpointId), address.toString()));
            if (store.commit(txn).succeeded()) {
                log.info("allocated {} in network {} to endpoint {} on host {}", address, n.name(), endpointId, host);
                return new Allocation(record, n);
            }
            if (store.get(keys.networkDeleting(n.id())).isPresent() || store.get(keys.network(n.id())).isEmpty()) {
                throw new FabricException(Code.NOT_FOUND, "network " + n.name() + " is being deleted");
            }
        }
        throw new FabricException(Code.ABORTED, "could not allocate an address in network " + n.name() + ": other allocations"
                + " kept winning; retry");
    }

    /** Releases by address or by handle; releasing what is absent succeeds. Returns what was released. */
    public Optional<EndpointRecord> release(String network, String address, String endpointId) {
        Optional<Versioned<NetworkRecord>> net = networks.find(network);
        if (net.isEmpty()) {
            return Optional.empty(); // a deleted network released everything already
        }
        String netId = net.get().value().id();
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<KeyValue> kv;
            if (address != null && !address.isBlank()) {
                kv = store.get(keys.address(netId, Ipv4Address.parse(address)));
            } else if (endpointId != null && !endpointId.isBlank()) {
                NetworkInput.requireHandle(endpointId);
                kv = store.get(keys.handle(netId, endpointId)).flatMap(h -> store.get(keys.address(netId, Ipv4Address.parse(h.value()))));
            } else {
                throw new InvalidInputException("release needs an address or an endpoint id");
            }
            if (kv.isEmpty()) {
                return Optional.empty();
            }
            EndpointRecord record = codec.decode(kv.get().key(), kv.get().value(), EndpointRecord.class);
            if (endpointId != null && !endpointId.isBlank() && !record.endpointId().equals(endpointId)) {
                return Optional.empty(); // the handle points to an address already re-used by someone else
            }
            if (store.commit(Txn.when(Cmp.modRevision(kv.get().key(), kv.get().modRevision())).then(Op.delete(kv.get().key()),
                    Op.delete(keys.handle(netId, record.endpointId())))).succeeded()) {
                log.info("released {} in network {} (endpoint {} on host {})", record.address(), net.get().value().name(),
                        record.endpointId(), record.hostId());
                return Optional.of(record);
            }
        }
        throw new FabricException(Code.ABORTED, "could not release the address: it kept changing; retry");
    }

    /** Fills in the container details of an allocated endpoint. */
    public EndpointRecord update(String network, String endpointId, String mac, String containerId, String containerName,
            List<String> aliases) {
        NetworkRecord n = networks.require(network).value();
        NetworkInput.requireHandle(endpointId);
        String normalizedMac = mac == null ? "" : mac.toLowerCase();
        if (!normalizedMac.isEmpty() && !MAC.matcher(normalizedMac).matches()) {
            throw new InvalidInputException("invalid MAC address '" + mac + "' (expected e.g. 02:42:0a:c8:01:02)");
        }
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<KeyValue> handle = store.get(keys.handle(n.id(), endpointId));
            Optional<KeyValue> kv = handle.flatMap(h -> store.get(keys.address(n.id(), Ipv4Address.parse(h.value()))));
            if (kv.isEmpty()) {
                throw new FabricException(Code.NOT_FOUND, "no endpoint " + endpointId + " in network " + n.name()
                        + ": allocate its address first");
            }
            EndpointRecord old = codec.decode(kv.get().key(), kv.get().value(), EndpointRecord.class);
            EndpointRecord updated = new EndpointRecord(old.networkId(), old.endpointId(), old.hostId(), old.address(),
                    normalizedMac, containerId, containerName, aliases, old.allocatedAtMs());
            if (updated.equals(old)) {
                return old;
            }
            if (store.commit(Txn.when(Cmp.modRevision(kv.get().key(), kv.get().modRevision()))
                    .then(Op.put(kv.get().key(), codec.encode(updated)))).succeeded()) {
                log.info("endpoint {} ({}) in network {} is container {} ({}) on host {}", endpointId, old.address(), n.name(),
                        containerName, containerId, old.hostId());
                return updated;
            }
        }
        throw new FabricException(Code.ABORTED, "could not update endpoint " + endpointId + ": it kept changing; retry");
    }

    /** Every endpoint, optionally only of one network (name or id) and/or one host. */
    public List<EndpointRecord> list(String network, String hostId) {
        String prefix = keys.addressesPrefix();
        if (network != null && !network.isBlank()) {
            Optional<Versioned<NetworkRecord>> net = networks.find(network);
            if (net.isEmpty()) {
                throw new FabricException(Code.NOT_FOUND, "no network '" + network + "'");
            }
            prefix = keys.addressesPrefix(net.get().value().id());
        }
        return store.getPrefix(prefix).kvs().stream().map(kv -> codec.decode(kv.key(), kv.value(), EndpointRecord.class))
                .filter(e -> hostId == null || hostId.isBlank() || e.hostId().value().equals(hostId))
                .sorted(Comparator.comparing(EndpointRecord::networkId).thenComparing(EndpointRecord::address)).toList();
    }

    private Optional<EndpointRecord> byHandle(String networkId, String endpointId) {
        return store.get(keys.handle(networkId, endpointId))
                .flatMap(h -> store.get(keys.address(networkId, Ipv4Address.parse(h.value()))))
                .map(kv -> codec.decode(kv.key(), kv.value(), EndpointRecord.class))
                .filter(e -> e.endpointId().equals(endpointId));
    }

    /** Releases every address a host holds (its subnet was released or reclaimed). */
    @Override
    public int releaseHostEndpoints(HostId host) {
        int released = 0;
        for (KeyValue kv : store.getPrefix(keys.addressesPrefix()).kvs()) {
            EndpointRecord e = codec.decode(kv.key(), kv.value(), EndpointRecord.class);
            if (e.hostId().equals(host) && store.commit(Txn.when(Cmp.modRevision(kv.key(), kv.modRevision()))
                    .then(Op.delete(kv.key()), Op.delete(keys.handle(e.networkId(), e.endpointId())))).succeeded()) {
                released++;
            }
        }
        if (released > 0) {
            log.info("released the {} endpoint addresses of host {}", released, host);
        }
        return released;
    }
}
