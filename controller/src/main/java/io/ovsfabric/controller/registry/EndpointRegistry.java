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
import io.ovsfabric.controller.store.EndpointRepository;
import io.ovsfabric.controller.store.HostRepository;
import io.ovsfabric.controller.store.TxnResult;
import java.util.BitSet;
import java.util.HashSet;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Endpoint addresses in user networks. An address and its handle are taken together by
 * {@link EndpointRepository#allocate}, only while the network is open: no address is ever held twice in a network,
 * and allocating the same handle again returns the same address.
 */
public final class EndpointRegistry implements HostRegistry.EndpointReleaser {
    private static final Logger log = LoggerFactory.getLogger(EndpointRegistry.class);
    private static final Pattern MAC = Pattern.compile("([0-9a-f]{2}:){5}[0-9a-f]{2}");
    private static final int MAX_ATTEMPTS = 64;

    private final EndpointRepository endpoints;
    private final NetworkRegistry networks;
    private final HostRepository hosts;
    private final Clock clock;
    private final RandomGenerator random;
    private final InFlight inFlight;
    private final SummaryLog allocations;
    private final GroupCommit<Pending> groupCommit;

    /** One allocation's share of a group commit: its record, under the network version it was chosen in. */
    private record Pending(EndpointRecord record, Versioned<NetworkRecord> network) {}

    public record Allocation(EndpointRecord endpoint, NetworkRecord network) {}

    public EndpointRegistry(EndpointRepository endpoints, NetworkRegistry networks, HostRepository hosts, Clock clock,
            RandomGenerator random) {
        this.endpoints = endpoints;
        this.networks = networks;
        this.hosts = hosts;
        this.clock = clock;
        this.random = random;
        this.inFlight = new InFlight(endpoints);
        this.allocations = new SummaryLog(log, clock);
        this.groupCommit = new GroupCommit<>(
                batch -> endpoints.allocateAllAt(batch.stream().map(Pending::record).toList(),
                        networks.open(batch.get(0).network())),
                p -> Set.of("handle " + p.record().endpointId(), p.record().address()));
    }

    /**
     * Allocates an address for an endpoint (idempotent by handle); {@code preferred} may be empty.
     *
     * <p>Without a preferred address this costs one etcd transaction in the common case: the network and the host
     * come from the watch cache, the candidate is the lowest address free in the cache's view and not being tried
     * by another allocation of this controller ({@link InFlight}), and the transaction writes the address and the
     * handle only if both are absent and the network is unchanged. Concurrent allocations of a network share their
     * transactions ({@link GroupCommit}). A lost transaction (another controller took the
     * address, the handle exists, the network changed) re-reads what it must from etcd and tries again from a
     * random free address.
     */
    public Allocation allocate(String network, String hostId, String endpointId, String preferred) {
        Versioned<NetworkRecord> net = networks.requireCached(network);
        NetworkRecord n = net.value();
        HostId host = HostId.of(hostId);
        NetworkInput.requireHandle(endpointId);
        AddressPool pool = new AddressPool(n.subnet(), n.gateway());
        if (preferred != null && !preferred.isBlank()) {
            return allocatePreferred(networks.require(n.id()), host, endpointId, pool.requireAssignable(preferred, n.name()));
        }
        if (!hosts.known(host)) {
            throw notRegistered(host);
        }
        long start = 1;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            InFlight.Pick pick = inFlight.reserve(n, pool, start);
            if (pick.busy()) {
                inFlight.awaitSettled();
                endpoints.awaitCache();
                continue;
            }
            Ipv4Address address = pick.address().isPresent() ? pick.address().get() : chooseFromStore(n, pool, start);
            EndpointRecord record = new EndpointRecord(n.id(), endpointId, host, address, "", "", "", List.of(), clock.millis());
            TxnResult result;
            try {
                result = groupCommit.commit(n.id() + "@" + net.modRevision(), new Pending(record, net));
            } catch (RuntimeException e) {
                inFlight.settle(n.id(), address, Long.MAX_VALUE); // unknown outcome: never offer it before the cache knows
                throw e;
            }
            inFlight.settle(n.id(), address, result.revision());
            if (result.succeeded()) {
                allocations.event("allocated {} in network {} to endpoint {} on host {}", address, n.name(), endpointId, host);
                return new Allocation(record, n);
            }
            Optional<EndpointRecord> existing = byHandle(n.id(), endpointId);
            if (existing.isPresent()) {
                return existingAllocation(existing.get(), n, host, endpointId, Optional.empty());
            }
            if (networks.closed(n.id())) {
                throw new FabricException(Code.NOT_FOUND, "network " + n.name() + " is being deleted");
            }
            net = networks.require(n.id());
            n = net.value();
            start = pool.randomStart(random);
        }
        throw contended(n);
    }

    /** The lowest free address read from etcd, when the watch cache cannot answer (not started, or lagging). */
    private Ipv4Address chooseFromStore(NetworkRecord n, AddressPool pool, long start) {
        Set<Ipv4Address> held = new HashSet<>(endpoints.heldAddresses(n.id()));
        held.addAll(inFlight.excluded(n.id()));
        BitSet bits = new BitSet();
        held.forEach(a -> {
            long offset = a.unsigned() - n.subnet().network().unsigned();
            if (offset >= 0 && offset < n.subnet().size()) {
                bits.set((int) offset);
            }
        });
        Ipv4Address address = pool.choose(bits, Set.of(), start).orElseThrow(() -> exhausted(n, pool, held.size()));
        inFlight.track(n.id(), address);
        return address;
    }

    private Allocation allocatePreferred(Versioned<NetworkRecord> net, HostId host, String endpointId, Ipv4Address wanted) {
        NetworkRecord n = net.value();
        if (hosts.find(host).isEmpty()) {
            throw notRegistered(host);
        }
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<EndpointRecord> existing = byHandle(n.id(), endpointId);
            if (existing.isPresent()) {
                return existingAllocation(existing.get(), n, host, endpointId, Optional.of(wanted));
            }
            Optional<Versioned<EndpointRecord>> holder = endpoints.atAddress(n.id(), wanted);
            if (holder.isPresent()) {
                EndpointRecord other = holder.get().value();
                throw new FabricException(Code.CONFLICT, "address " + wanted + " in network " + n.name()
                        + " is held by endpoint " + other.endpointId() + " on host " + other.hostId());
            }
            EndpointRecord record = new EndpointRecord(n.id(), endpointId, host, wanted, "", "", "", List.of(), clock.millis());
            if (endpoints.allocate(record, networks.open(net))) {
                allocations.event("allocated {} in network {} to endpoint {} on host {}", wanted, n.name(), endpointId, host);
                return new Allocation(record, n);
            }
            if (networks.closed(n.id())) {
                throw new FabricException(Code.NOT_FOUND, "network " + n.name() + " is being deleted");
            }
            net = networks.require(n.id());
            n = net.value();
        }
        throw contended(n);
    }

    private static Allocation existingAllocation(EndpointRecord e, NetworkRecord n, HostId host, String endpointId,
            Optional<Ipv4Address> wanted) {
        if (!e.hostId().equals(host)) {
            throw new FabricException(Code.CONFLICT, "endpoint " + endpointId + " in network " + n.name()
                    + " is held by host " + e.hostId() + " (address " + e.address() + ")");
        }
        if (wanted.isPresent() && !wanted.get().equals(e.address())) {
            throw new FabricException(Code.CONFLICT, "endpoint " + endpointId + " already holds " + e.address()
                    + " in network " + n.name() + ", not " + wanted.get() + ": release it first");
        }
        return new Allocation(e, n);
    }

    private static FabricException notRegistered(HostId host) {
        return new FabricException(Code.REFUSED, "host " + host + " is not registered: its agent must register"
                + " before allocating addresses");
    }

    private static FabricException exhausted(NetworkRecord n, AddressPool pool, long held) {
        return new FabricException(Code.EXHAUSTED, "network " + n.name() + " (" + n.subnet() + ") has " + pool.usable()
                + " endpoint addresses and all " + held + " are held; release some or create a larger network");
    }

    private static FabricException contended(NetworkRecord n) {
        return new FabricException(Code.CONTENDED, "could not allocate an address in network " + n.name() + ": other allocations"
                + " kept winning; retry");
    }

    /** Releases by address or by handle; releasing what is absent succeeds. Returns what was released. */
    public Optional<EndpointRecord> release(String network, String address, String endpointId) {
        return release(network, address, endpointId, Optional.empty());
    }

    /**
     * As above, for a caller acting as host {@code acting} (its certificate): an endpoint of another host is not
     * released (DENIED), so a host cannot free the addresses of another host's containers.
     */
    public Optional<EndpointRecord> release(String network, String address, String endpointId, Optional<HostId> acting) {
        Optional<Versioned<NetworkRecord>> net = networks.find(network);
        if (net.isEmpty()) {
            return Optional.empty(); // a deleted network released everything already
        }
        String netId = net.get().value().id();
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Versioned<EndpointRecord>> kv;
            if (address != null && !address.isBlank()) {
                kv = endpoints.atAddress(netId, Ipv4Address.parse(address));
            } else if (endpointId != null && !endpointId.isBlank()) {
                NetworkInput.requireHandle(endpointId);
                kv = endpoints.atHandle(netId, endpointId);
            } else {
                throw new InvalidInputException("release needs an address or an endpoint id");
            }
            if (kv.isEmpty()) {
                return Optional.empty();
            }
            EndpointRecord record = kv.get().value();
            if (endpointId != null && !endpointId.isBlank() && !record.endpointId().equals(endpointId)) {
                return Optional.empty(); // the handle points to an address already re-used by someone else
            }
            requireOwner("ReleaseAddress " + record.address(), acting, record);
            if (endpoints.release(kv.get())) {
                log.info("released {} in network {} (endpoint {} on host {})", record.address(), net.get().value().name(),
                        record.endpointId(), record.hostId());
                return Optional.of(record);
            }
        }
        throw new FabricException(Code.CONTENDED, "could not release the address: it kept changing; retry");
    }

    /** Fills in the container details of an allocated endpoint. */
    public EndpointRecord update(String network, String endpointId, String mac, String containerId, String containerName,
            List<String> aliases) {
        return update(network, endpointId, mac, containerId, containerName, aliases, Optional.empty());
    }

    /** As above, for a caller acting as host {@code acting}: only that host's own endpoints (else DENIED). */
    public EndpointRecord update(String network, String endpointId, String mac, String containerId, String containerName,
            List<String> aliases, Optional<HostId> acting) {
        NetworkRecord n = networks.require(network).value();
        NetworkInput.requireHandle(endpointId);
        String normalizedMac = mac == null ? "" : mac.toLowerCase();
        if (!normalizedMac.isEmpty() && !MAC.matcher(normalizedMac).matches()) {
            throw new InvalidInputException("invalid MAC address '" + mac + "' (expected e.g. 02:42:0a:c8:01:02)");
        }
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Versioned<EndpointRecord>> kv = endpoints.atHandle(n.id(), endpointId);
            if (kv.isEmpty()) {
                throw new FabricException(Code.NOT_FOUND, "no endpoint " + endpointId + " in network " + n.name()
                        + ": allocate its address first");
            }
            EndpointRecord old = kv.get().value();
            requireOwner("UpdateEndpoint " + endpointId, acting, old);
            EndpointRecord updated = new EndpointRecord(old.networkId(), old.endpointId(), old.hostId(), old.address(),
                    normalizedMac, containerId, containerName, aliases, old.allocatedAtMs());
            if (updated.equals(old)) {
                return old;
            }
            if (endpoints.update(kv.get(), updated)) {
                log.info("endpoint {} ({}) in network {} is container {} ({}) on host {}", endpointId, old.address(), n.name(),
                        containerName, containerId, old.hostId());
                return updated;
            }
        }
        throw new FabricException(Code.CONTENDED, "could not update endpoint " + endpointId + ": it kept changing; retry");
    }

    private static void requireOwner(String call, Optional<HostId> acting, EndpointRecord record) {
        if (acting.isPresent() && !acting.get().equals(record.hostId())) {
            throw new FabricException(Code.DENIED, call + " refused for ovsfabric://host/" + acting.get() + ": endpoint "
                    + record.endpointId() + " (" + record.address() + ") belongs to host " + record.hostId());
        }
    }

    /** Every endpoint, optionally only of one network (name or id) and/or one host. */
    public List<EndpointRecord> list(String network, String hostId) {
        List<Versioned<EndpointRecord>> all;
        if (network != null && !network.isBlank()) {
            Optional<Versioned<NetworkRecord>> net = networks.find(network);
            if (net.isEmpty()) {
                throw new FabricException(Code.NOT_FOUND, "no network '" + network + "'");
            }
            all = endpoints.inNetwork(net.get().value().id());
        } else {
            all = endpoints.all();
        }
        return all.stream().map(Versioned::value)
                .filter(e -> hostId == null || hostId.isBlank() || e.hostId().value().equals(hostId))
                .sorted(Comparator.comparing(EndpointRecord::networkId).thenComparing(EndpointRecord::address)).toList();
    }

    /** Every endpoint as it was at an older revision; COMPACTED if etcd no longer has it. */
    public List<EndpointRecord> allAt(long revision) {
        return endpoints.allAt(revision).stream().map(Versioned::value).toList();
    }

    private Optional<EndpointRecord> byHandle(String networkId, String endpointId) {
        return endpoints.atHandle(networkId, endpointId).map(Versioned::value)
                .filter(e -> e.endpointId().equals(endpointId));
    }

    /** Releases every address a host holds (its subnet was released or reclaimed). */
    @Override
    public int releaseHostEndpoints(HostId host) {
        int released = 0;
        for (Versioned<EndpointRecord> e : endpoints.all()) {
            if (e.value().hostId().equals(host) && endpoints.release(e)) {
                released++;
            }
        }
        if (released > 0) {
            log.info("released the {} endpoint addresses of host {}", released, host);
        }
        return released;
    }
}
