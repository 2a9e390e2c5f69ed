package io.ovsfabric.controller.registry;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.FabricException.Code;
import io.ovsfabric.controller.ipam.HostInput;
import io.ovsfabric.controller.ipam.SubnetPool;
import io.ovsfabric.controller.model.FabricPlan;
import io.ovsfabric.controller.model.HostRecord;
import io.ovsfabric.controller.model.HostState;
import io.ovsfabric.controller.model.HostView;
import io.ovsfabric.controller.model.LiveRecord;
import io.ovsfabric.controller.model.Versioned;
import io.ovsfabric.controller.store.HostRepository;
import io.ovsfabric.controller.store.HostRepository.Live;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Host registration, reservation, liveness and release. Every write is one of the {@link HostRepository}'s
 * conditional transactions (a subnet is claimed only if unclaimed, a host record changes only at the revision it was
 * read), so any number of controllers racing can never give one subnet to two hosts. A lost race re-reads and tries
 * again.
 */
public final class HostRegistry {
    private static final Logger log = LoggerFactory.getLogger(HostRegistry.class);
    private static final int MAX_ATTEMPTS = 64;

    private final HostRepository hosts;
    private final FabricPlan plan;
    private final SubnetPool pool;
    private final Duration leaseTtl;
    private final Clock clock;
    private final String controllerId;
    private final RandomGenerator random;
    private final EndpointReleaser endpoints;
    /** New hosts registering at once (a thousand after a controller restart) share their claims' transactions. */
    private final GroupCommit<HostRepository.Claim> claims;
    /**
     * Subnets this controller's registrations are trying ({@link #TRYING}) or have just claimed (the revision of the
     * claim, until the watch cache has it): concurrent registrations pick different subnets without waiting for the
     * cache. Guarded by itself.
     */
    private final Map<Cidr, Long> trying = new java.util.HashMap<>();
    private static final long TRYING = 0;
    /**
     * Hosts this controller has just bound live, until the watch cache has their revision: the underlay check sees
     * this controller's own registrations at once without waiting for the cache. Guarded by itself.
     */
    private final Map<HostId, Recent> recentLive = new java.util.HashMap<>();

    private record Recent(Ipv4Address underlay, long revision) {}
    private static final long TRYING_DONE = -1;

    /** Frees what a released or reclaimed host still holds in user networks (issue 5); a no-op without networks. */
    public interface EndpointReleaser {
        int releaseHostEndpoints(HostId host);
    }

    public record Registration(HostView host, long leaseId, long ttlSeconds) {}

    /** Host subnet usage for the admin view and the exhaustion message. */
    public record SubnetUsage(List<HostView> holders, long assignable, long held) {}

    public HostRegistry(HostRepository hosts, FabricPlan plan, Duration leaseTtl, Clock clock, String controllerId,
            RandomGenerator random, EndpointReleaser endpoints) {
        this.hosts = hosts;
        this.plan = plan;
        this.pool = new SubnetPool(plan);
        this.leaseTtl = leaseTtl;
        this.clock = clock;
        this.controllerId = controllerId;
        this.random = random;
        this.endpoints = endpoints;
        this.claims = new GroupCommit<>(hosts::claimAndBindAllAt,
                c -> Set.of(c.record().hostId(), c.record().subnet()));
    }

    public FabricPlan plan() {
        return plan;
    }

    /** Registers (or re-registers) a host: the same id from the same underlay IP always gets its subnet back. */
    public Registration register(String hostId, String underlayIp, Map<String, String> capabilities, int underlayMtu) {
        return register(hostId, underlayIp, capabilities, underlayMtu, "");
    }

    /**
     * Registers a host that may already forward a subnet ({@code heldSubnet}, from its saved state; "" for none).
     * While its record exists it gets that record's subnet. When the record is gone (the host was cut off longer
     * than the reclaim grace and its subnet was reclaimed) it gets the subnet it holds back if that is still free,
     * so its containers keep their addresses; if another host holds it now, the registration is REFUSED: two hosts
     * must never forward one range.
     */
    public Registration register(String hostId, String underlayIp, Map<String, String> capabilities, int underlayMtu,
            String heldSubnet) {
        HostInput input = HostInput.parse(hostId, underlayIp, plan);
        Optional<Cidr> held = heldSubnet(input.hostId(), heldSubnet);
        if (underlayMtu != 0 && underlayMtu < plan.underlayMtu()) {
            throw new FabricException(Code.REFUSED, "host " + input.hostId() + " has an underlay MTU of " + underlayMtu
                    + " but the fabric needs " + plan.underlayMtu() + ": tunnelled frames would be dropped. Raise the"
                    + " underlay interface's MTU, or run the fabric with a smaller --underlay-mtu");
        }
        long lease = hosts.grantLease(leaseTtl);
        boolean used = false;
        try {
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                Optional<Registration> done = tryRegister(input, capabilities, lease, attempt, held);
                if (done.isPresent()) {
                    used = true;
                    return done.get();
                }
            }
        } finally {
            if (!used) {
                revokeQuietly(lease);
            }
        }
        throw contention("register host " + input.hostId());
    }

    private Optional<Registration> tryRegister(HostInput input, Map<String, String> capabilities, long lease, int attempt,
            Optional<Cidr> held) {
        HostId id = input.hostId();
        long now = clock.millis();
        // the first try proposes from the watch cache; after a lost race, etcd says what won
        HostRepository.HostAsRead read = attempt == 0 ? hosts.readNow(id) : hosts.readFromStore(id);
        Optional<Versioned<HostRecord>> current = read.record();
        Optional<Live> live = read.live();
        if (live.isPresent() && !live.get().record().underlayIp().equals(input.underlayIp())) {
            throw heldByLiveHost(id, live.get(), input.underlayIp());
        }
        requireUnderlayNotUsedByAnotherLiveHost(id, input.underlayIp());
        LiveRecord liveRecord = new LiveRecord(id, lease, input.underlayIp(), now, controllerId);
        HostRecord record;
        if (current.isPresent()) {
            HostRecord previous = current.get().value();
            record = previous.registeredAgain(input.underlayIp(), capabilities, now);
            io.ovsfabric.controller.store.TxnResult result = hosts.rebindAt(current.get(), record, live, liveRecord);
            if (!result.succeeded()) {
                return Optional.empty();
            }
            recent(id, input.underlayIp(), result.revision());
            live.ifPresent(l -> revokeQuietly(l.leaseId())); // the previous boot's lease: its key now has the new lease
            if (!previous.underlayIp().equals(input.underlayIp())) {
                log.info("host {} registered from a new underlay IP {} (was {}); keeps subnet {}", id, input.underlayIp(),
                        previous.underlayIp(), record.subnet());
            } else {
                log.info("host {} registered again from {}; keeps subnet {} (lease {})", id, input.underlayIp(),
                        record.subnet(), Long.toHexString(lease));
            }
        } else {
            Cidr subnet = held.isPresent() ? reclaimHeld(id, held.get()) : chooseSubnet(attempt);
            record = new HostRecord(id, input.underlayIp(), subnet, capabilities, now, true, now, 0);
            long settled = TRYING_DONE; // outcome unknown (etcd failed): free it; if the claim applied, it stays claimed
            try {
                io.ovsfabric.controller.store.TxnResult result = claims.commit("claims",
                        new HostRepository.Claim(record, live, liveRecord));
                settled = result.revision();
                if (!result.succeeded()) {
                    return Optional.empty();
                }
                recent(id, input.underlayIp(), result.revision());
            } finally {
                settle(subnet, settled);
            }
            log.info("host {} registered from {}: {} subnet {} (lease {})", id, input.underlayIp(),
                    held.isPresent() ? "took back the" : "allocated", subnet, Long.toHexString(lease));
        }
        return Optional.of(new Registration(view(record, true), lease, leaseTtl.toSeconds()));
    }

    /** A held subnet the plan could have given out; anything else is ignored (the host gets a fresh one). */
    private Optional<Cidr> heldSubnet(HostId id, String text) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        try {
            Cidr subnet = Cidr.parse(text);
            if (subnet.prefixLength() == plan.hostPrefix() && plan.fabricCidr().contains(subnet)
                    && !subnet.equals(plan.subnet(0))) {
                return Optional.of(subnet);
            }
        } catch (RuntimeException e) {
            // fall through: a bad saved subnet must not keep a host out
        }
        log.warn("host {} says it holds subnet '{}', which is not a host subnet of fabric {}: ignored", id, text,
                plan.fabricCidr());
        return Optional.empty();
    }

    /** The subnet a host without a record still forwards: its own again if free, else a refusal that says why. */
    private Cidr reclaimHeld(HostId id, Cidr held) {
        Optional<HostRecord> holder = hosts.all().records().stream().map(Versioned::value)
                .filter(r -> r.subnet().equals(held) && !r.hostId().equals(id)).findFirst();
        if (holder.isPresent()) {
            throw new FabricException(Code.REFUSED, "host " + id + " still forwards subnet " + held + ", but it was"
                    + " reclaimed after the host was DOWN for longer than the reclaim grace (" + plan.reclaimGrace().toSeconds()
                    + "s) and now belongs to host " + holder.get().hostId() + " at " + holder.get().underlayIp()
                    + ". Host " + id + " has left the fabric's forwarding so that no range is forwarded twice. To bring"
                    + " it back with a new subnet: stop its containers, run 'ovsfabric-agent teardown', then start the"
                    + " agent and restart Docker with the new 'ovsfabric-agent docker-opts'");
        }
        return held;
    }

    /** Reserves a subnet for a host before it boots, through the same allocation path as registration. */
    public HostView reserve(String hostId, String underlayIp) {
        HostInput input = HostInput.parse(hostId, underlayIp, plan);
        HostId id = input.hostId();
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Versioned<HostRecord>> current = hosts.find(id);
            if (current.isPresent()) {
                HostRecord existing = current.get().value();
                HostView view = view(existing, hosts.live(id).isPresent());
                if (existing.underlayIp().equals(input.underlayIp())) {
                    return view; // already holds a subnet: reserving again changes nothing
                }
                throw new FabricException(Code.CONFLICT, "host " + id + " already holds subnet " + existing.subnet()
                        + " (" + view.state() + " at " + existing.underlayIp() + "); release it first with"
                        + " 'ovsfabricctl hosts release " + id + "'");
            }
            requireUnderlayNotUsedByAnotherLiveHost(id, input.underlayIp());
            long now = clock.millis();
            Cidr subnet = chooseSubnet(attempt);
            HostRecord record = new HostRecord(id, input.underlayIp(), subnet, Map.of(), now, false, 0, 0);
            boolean claimed;
            long settled = TRYING_DONE;
            try {
                io.ovsfabric.controller.store.TxnResult result = hosts.claimAt(record);
                claimed = result.succeeded();
                settled = result.revision();
            } finally {
                settle(subnet, settled);
            }
            if (claimed) {
                log.info("reserved subnet {} for host {} at {} (not registered yet)", subnet, id, input.underlayIp());
                return view(record, false);
            }
        }
        throw contention("reserve host " + id);
    }

    /**
     * Refreshes the live lease of the host (the caller is that host, by its certificate: lease ids never leave the
     * controller); NOT_FOUND when it has none (expired, released, never registered): register again.
     */
    public long keepAlive(String hostId) {
        HostId id = HostId.of(hostId);
        // the watch cache knows the lease (a thousand agents keep alive 300 times a second: no etcd read for it); when
        // it does not (it may lag behind a registration), etcd says
        Optional<Live> cached = hosts.readNow(id).live();
        Live live = (cached.isPresent() ? cached : hosts.live(id)).orElseThrow(() -> leaseGone(id, 0));
        try {
            return refresh(id, live.leaseId());
        } catch (FabricException e) {
            Optional<Live> stored = cached.isPresent() && e.code() == Code.NOT_FOUND ? hosts.live(id) : Optional.empty();
            if (stored.isPresent() && stored.get().leaseId() != live.leaseId()) {
                return refresh(id, stored.get().leaseId()); // the cache still had the lease of a previous registration
            }
            throw e;
        }
    }

    /** Graceful leave of the host's live registration, whatever its lease; nothing to do when it has none. */
    public void deregister(String hostId) {
        HostId id = HostId.of(hostId);
        Optional<Live> live = hosts.live(id);
        if (live.isEmpty()) {
            log.info("host {} deregistered while holding no live lease: nothing to do", id);
            return;
        }
        deregister(hostId, live.get().leaseId());
    }

    /** Refreshes a host's lease; NOT_FOUND when it expired or belongs to an older registration. */
    public long keepAlive(String hostId, long leaseId) {
        HostId id = HostId.of(hostId);
        Optional<Live> live = hosts.readNow(id).live();
        if (live.isEmpty() || live.get().leaseId() != leaseId) {
            live = hosts.live(id); // the cache may lag behind the registration: etcd says
        }
        if (live.isEmpty() || live.get().leaseId() != leaseId) {
            throw leaseGone(id, leaseId);
        }
        return refresh(id, leaseId);
    }

    /** Refreshes the lease of a host's live key; NOT_FOUND when it has expired (etcd decides, not the cache). */
    private long refresh(HostId id, long leaseId) {
        try {
            return hosts.refreshLease(leaseId);
        } catch (FabricException e) {
            if (e.code() == Code.NOT_FOUND) {
                throw leaseGone(id, leaseId);
            }
            throw e;
        }
    }

    /** Graceful leave: the host turns DOWN now; its subnet stays reserved for the grace period. Idempotent. */
    public void deregister(String hostId, long leaseId) {
        HostId id = HostId.of(hostId);
        Optional<Live> live = hosts.live(id);
        if (live.isEmpty() || live.get().leaseId() != leaseId) {
            log.info("host {} deregistered with lease {} that is no longer its live lease: nothing to do", id, Long.toHexString(leaseId));
            return;
        }
        hosts.revokeLease(leaseId);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Versioned<HostRecord>> current = hosts.find(id);
            if (current.isEmpty() || hosts.live(id).isPresent() || current.get().value().left()) {
                break;
            }
            if (hosts.markDown(current.get(), current.get().value().leftGracefully(clock.millis()))) {
                break;
            }
        }
        log.info("host {} deregistered: it is DOWN, peers drop its tunnel, and its subnet stays reserved for the grace"
                + " period", id);
    }

    /** Frees a host's subnet. FAILED_PRECONDITION while it is live, unless forced. Returns the host as it was. */
    public HostView release(String hostId, boolean force) {
        HostId id = HostId.of(hostId);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Versioned<HostRecord> current = hosts.find(id).orElseThrow(() -> new FabricException(Code.NOT_FOUND,
                    "no host " + id + " holds a subnet (list them with 'ovsfabricctl hosts')"));
            Optional<Live> live = hosts.live(id);
            HostRecord record = current.value();
            if (live.isPresent() && !force) {
                throw new FabricException(Code.REFUSED, "host " + id + " is live (UP at " + record.underlayIp()
                        + "): releasing would let another host take " + record.subnet() + " while its containers still use"
                        + " addresses from it. Stop its agent first (it turns DOWN after the lease TTL of " + leaseTtl.toSeconds()
                        + "s), or pass --force");
            }
            if (hosts.release(current, live)) {
                live.ifPresent(l -> revokeQuietly(l.leaseId()));
                int released = endpoints.releaseHostEndpoints(id);
                HostView was = view(record, live.isPresent());
                log.info("released subnet {} of host {} ({}{}{})", record.subnet(), id, was.state(),
                        live.isPresent() ? ", forced while live" : "",
                        released > 0 ? ", " + released + " endpoint addresses freed" : "");
                return was;
            }
        }
        throw contention("release host " + id);
    }

    public List<HostView> list() {
        HostRepository.Hosts all = hosts.all();
        return all.records().stream().map(v -> view(v.value(), all.isLive(v.value().hostId())))
                .sorted((a, b) -> a.record().hostId().compareTo(b.record().hostId())).toList();
    }

    public Optional<HostView> get(String hostId) {
        HostId id = HostId.of(hostId);
        return hosts.find(id).map(v -> view(v.value(), hosts.live(id).isPresent()));
    }

    public SubnetUsage subnets() {
        List<HostView> holders = list().stream().sorted((a, b) -> a.record().subnet().compareTo(b.record().subnet())).toList();
        return new SubnetUsage(holders, plan.assignableSubnets(), holders.size());
    }

    private HostView view(HostRecord record, boolean live) {
        return HostView.of(record, live, plan.reclaimGrace());
    }

    /**
     * A free subnet no other registration of this controller is trying or has just claimed (the cache may not show
     * those yet); the caller then {@link #settle}s it. The choice is a proposal: the claim is create-if-absent.
     */
    private Cidr chooseSubnet(int attempt) {
        // after a lost race the cache may lag behind the winner: read etcd then
        // the cache's revision first: a claim it has reached by then is in {@code held}
        long seen = hosts.cachedRevision();
        Set<Cidr> held = attempt == 0 ? hosts.claimedSubnetsNow() : hosts.claimedSubnets();
        synchronized (trying) {
            // a claim the cache has applied is in {@code held} now; without a cache etcd knows every settled one
            trying.values().removeIf(rev -> rev != TRYING && (seen == 0 || rev <= seen));
            Set<Cidr> taken = new java.util.HashSet<>(held);
            taken.addAll(trying.keySet());
            Optional<Cidr> chosen = pool.choose(taken, attempt, random);
            if (chosen.isPresent()) {
                trying.put(chosen.get(), TRYING);
                return chosen.get();
            }
        }
        return pool.choose(held, attempt, random).map(c -> {
            synchronized (trying) {
                trying.putIfAbsent(c, TRYING); // only subnets this controller is trying are left: one more try on one
            }
            return c;
        }).orElseThrow(() -> {
            Map<HostState, Long> byState = new EnumMap<>(HostState.class);
            byState.putAll(list().stream().collect(Collectors.groupingBy(HostView::state, Collectors.counting())));
            return new FabricException(Code.EXHAUSTED, pool.exhaustedMessage(byState));
        });
    }

    /** A try on {@code subnet} ended: keep it out until the cache has {@code revision} ({@link #TRYING_DONE}: free it). */
    private void settle(Cidr subnet, long revision) {
        synchronized (trying) {
            if (revision == TRYING_DONE) {
                trying.remove(subnet);
            } else {
                trying.put(subnet, Math.max(revision, 1));
            }
        }
    }

    private void recent(HostId id, Ipv4Address underlay, long revision) {
        synchronized (recentLive) {
            recentLive.put(id, new Recent(underlay, revision));
        }
    }

    /**
     * Refuses an underlay IP that another live host uses: as the watch cache has the live keys now, plus the hosts
     * this controller bound since (the cache may not show them yet). A check, not an invariant a transaction keeps:
     * two hosts racing with one IP through two controllers at the same moment can both pass it, as before.
     */
    private void requireUnderlayNotUsedByAnotherLiveHost(HostId id, Ipv4Address underlayIp) {
        Optional<HostId> user = hosts.liveAtNow(underlayIp, id).map(l -> l.record().hostId());
        if (user.isEmpty()) {
            long seen = hosts.cachedRevision();
            synchronized (recentLive) {
                recentLive.values().removeIf(r -> seen == 0 || r.revision() <= seen);
                user = recentLive.entrySet().stream()
                        .filter(e -> !e.getKey().equals(id) && e.getValue().underlay().equals(underlayIp))
                        .map(Map.Entry::getKey).findFirst();
            }
        }
        user.ifPresent(other -> {
            throw new FabricException(Code.CONFLICT, "underlay IP " + underlayIp + " is in use by live host "
                    + other + ": every host needs its own underlay address (is host " + id
                    + " configured with the right --underlay-ip?)");
        });
    }

    private FabricException heldByLiveHost(HostId id, Live live, Ipv4Address requested) {
        return new FabricException(Code.CONFLICT, "host id " + id + " is held by a live host at underlay IP "
                + live.record().underlayIp() + " (registered through controller " + live.record().controllerId()
                + "); refusing the registration from " + requested
                + ". Give this host another --host-id, or stop the other one and wait for its lease to expire");
    }

    private static FabricException leaseGone(HostId id, long leaseId) {
        return new FabricException(Code.NOT_FOUND, "host " + id + " holds no live lease"
                + " (it expired or the host was released): register again");
    }

    private FabricException contention(String what) {
        return new FabricException(Code.CONTENDED, "could not " + what + " after " + MAX_ATTEMPTS
                + " attempts: other controllers kept changing the same keys; retry");
    }

    private void revokeQuietly(long lease) {
        try {
            hosts.revokeLease(lease);
        } catch (FabricException e) {
            log.warn("could not revoke unused lease {} ({}); it expires by itself within {}s", Long.toHexString(lease),
                    e.getMessage(), leaseTtl.toSeconds());
        }
    }

}
