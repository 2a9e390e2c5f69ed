package io.ovsfabric.controller.store;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.model.HostRecord;
import io.ovsfabric.controller.model.LiveRecord;
import io.ovsfabric.controller.model.SubnetClaim;
import io.ovsfabric.controller.model.Versioned;
import io.ovsfabric.controller.store.Txn.Cmp;
import io.ovsfabric.controller.store.Txn.Op;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The host aggregate: subnet claims ({@code subnets/}), host records ({@code hosts/}), live keys ({@code live/}) and
 * the leases they are bound to. The only place that knows these keys and how their transactions look. Every write is
 * one compare-and-set transaction against what the caller read, and returns whether it applied: {@code false} means
 * someone else changed one of the keys first (nothing was written; re-read and decide again).
 *
 * <p>The invariant kept here: a subnet is claimed by at most one host ({@code subnets/<net>} is create-if-absent and
 * written together with the host record that points at it), and a host record changes only at the revision read.
 */
public final class HostRepository extends Repository {
    /** A host's live key as read; the version is the key's mod revision and the lease comes from etcd itself. */
    public record Live(LiveRecord record, long leaseId, long modRevision) {}

    /** A consistent read of every host record and live key. */
    public record Hosts(List<Versioned<HostRecord>> records, Map<HostId, Live> live, long revision) {
        public boolean isLive(HostId id) {
            return live.containsKey(id);
        }
    }

    /** A host's record and live key as read (from the watch cache or etcd), for one conditional write. */
    public record HostAsRead(Optional<Versioned<HostRecord>> record, Optional<Live> live) {}

    private final WatchCache cache;
    private volatile LeasePool leases; // null: every registration grants its own lease

    HostRepository(KvStore store, KeyLayout keys, JsonCodec codec, WatchCache cache) {
        super(store, keys, codec);
        this.cache = cache;
    }

    public Optional<Versioned<HostRecord>> find(HostId id) {
        return store.get(keys.host(id)).map(kv -> versioned(kv, HostRecord.class));
    }

    public Optional<Live> live(HostId id) {
        return store.get(keys.live(id)).map(this::toLive);
    }

    /**
     * The host's record and live key as the watch cache has them now (not waiting for it to catch up), or from etcd
     * when the cache does not run. Only a proposal: the write conditioned on it ({@link #claimAndBindAllAt},
     * {@link #rebind}) fails if either changed meanwhile, and the caller reads etcd ({@link #readFromStore}) to try again.
     */
    public HostAsRead readNow(HostId id) {
        return cache.hostNow(id).orElseGet(() -> readFromStore(id));
    }

    /** The host's record and live key read from etcd. */
    public HostAsRead readFromStore(HostId id) {
        return new HostAsRead(find(id), live(id));
    }

    /** Every host record and every live key, read at one revision. */
    public Hosts all() {
        KvRange hostRange = store.getPrefix(keys.hostsPrefix());
        KvRange liveRange = store.getPrefix(keys.livePrefix(), hostRange.revision());
        List<Versioned<HostRecord>> records = versioned(hostRange, HostRecord.class);
        Map<HostId, Live> live = new HashMap<>();
        for (KeyValue kv : liveRange.kvs()) {
            Live l = toLive(kv);
            live.put(l.record().hostId(), l);
        }
        return new Hosts(records, live, hostRange.revision());
    }

    /** Every live key (from the watch cache once it has caught up with this controller's writes, else etcd). */
    public Map<HostId, Live> liveHosts() {
        return cache.live().orElseGet(() -> all().live());
    }

    /**
     * The live key of another host than {@code except} at {@code underlay}: from the watch cache as it is now (not
     * waiting for this controller's latest writes: the caller adds those), from etcd when the cache does not run.
     */
    public Optional<Live> liveAtNow(io.ovsfabric.common.Ipv4Address underlay, HostId except) {
        return cache.liveAtNow(underlay, except).orElseGet(() -> all().live().values().stream()
                .filter(l -> l.record().underlayIp().equals(underlay) && !l.record().hostId().equals(except)).findFirst());
    }

    /** Whether the host has a record (a "yes" from the watch cache is trusted, a "no" is checked in etcd). */
    public boolean known(HostId id) {
        return cache.hasHost(id) || find(id).isPresent();
    }

    /** Every claimed host subnet (from the watch cache once it has caught up with this controller's writes). */
    public Set<Cidr> claimedSubnets() {
        return cache.claimedSubnets().orElseGet(this::claimedSubnetsInStore);
    }

    /**
     * Every claimed host subnet as the watch cache has it now (not waiting): the caller keeps its own recent claims
     * out until {@link #cachedRevision()} reaches them. From etcd when the cache does not run.
     */
    public Set<Cidr> claimedSubnetsNow() {
        return cache.claimedSubnetsNow().orElseGet(this::claimedSubnetsInStore);
    }

    /** The revision the watch cache has applied everything up to (0 when it is not running). */
    public long cachedRevision() {
        return cache.running() ? cache.revision() : 0;
    }

    private Set<Cidr> claimedSubnetsInStore() {
        String prefix = keys.subnetsPrefix();
        return store.getPrefix(prefix).kvs().stream().map(kv -> Cidr.fromKeyForm(kv.key().substring(prefix.length())))
                .collect(Collectors.toSet());
    }

    /** One new host's claim and live key, for {@link #claimAndBindAllAt}. */
    public record Claim(HostRecord record, Optional<Live> liveAsRead, LiveRecord live) {}

    /**
     * New hosts, in one transaction, all of them or none: each claims its subnet, writes its record and binds its
     * live key to {@code live.leaseId()}, if the host has no record, the subnet is unclaimed and the live key is as
     * read. Hosts and subnets must be distinct (etcd refuses a transaction that writes a key twice). The revision is
     * the write's, or a later one when it did not apply.
     */
    public TxnResult claimAndBindAllAt(List<Claim> claims) {
        TxnPart[] parts = new TxnPart[claims.size() * 3];
        int i = 0;
        for (Claim c : claims) {
            parts[i++] = claimFor(c.record());
            parts[i++] = liveAsRead(c.record().hostId(), c.liveAsRead());
            parts[i++] = bind(c.live());
        }
        return commitAt(parts);
    }

    /** A host reserved before it boots: claims its subnet and writes its record, if neither exists. */
    public boolean claim(HostRecord record) {
        return claimAt(record).succeeded();
    }

    /** As {@link #claim}, with the revision etcd answered at. */
    public TxnResult claimAt(HostRecord record) {
        return commitAt(claimFor(record));
    }

    /** A known host registering again: rewrites its record and binds its live key to a new lease. */
    public boolean rebind(Versioned<HostRecord> current, HostRecord updated, Optional<Live> liveAsRead, LiveRecord live) {
        return rebindAt(current, updated, liveAsRead, live).succeeded();
    }

    /** As {@link #rebind}, with the revision etcd answered at. */
    public TxnResult rebindAt(Versioned<HostRecord> current, HostRecord updated, Optional<Live> liveAsRead, LiveRecord live) {
        return commitAt(unchanged(current), liveAsRead(updated.hostId(), liveAsRead),
                TxnPart.then(Op.put(keys.host(updated.hostId()), codec.encode(updated))), bind(live));
    }

    /** Stamps a host DOWN, if its record is unchanged and it has no live key. */
    public boolean markDown(Versioned<HostRecord> current, HostRecord down) {
        return commit(unchanged(current), notLive(down.hostId()), TxnPart.then(Op.put(keys.host(down.hostId()), codec.encode(down))));
    }

    /** Frees the subnet of a dead host (record and claim), if its record is unchanged and it has no live key. */
    public boolean reclaim(Versioned<HostRecord> current) {
        HostRecord record = current.value();
        return commit(unchanged(current), notLive(record.hostId()),
                TxnPart.then(Op.delete(keys.host(record.hostId())), Op.delete(keys.subnet(record.subnet()))));
    }

    /** Frees a host's subnet whatever its liveness: record, claim and live key, if record and live key are as read. */
    public boolean release(Versioned<HostRecord> current, Optional<Live> liveAsRead) {
        HostId id = current.value().hostId();
        return commit(unchanged(current), liveAsRead(id, liveAsRead), TxnPart.then(Op.delete(keys.host(id)),
                Op.delete(keys.subnet(current.value().subnet())), Op.delete(keys.live(id))));
    }

    /** A new lease for a live key (one granted ahead, when there is a fresh one of that TTL); returns its id. */
    public long grantLease(Duration ttl) {
        LeasePool pool = leases;
        return pool != null && pool.ttl().equals(ttl) ? pool.take() : store.grantLease(ttl);
    }

    /**
     * Grants leases of {@code ttl} ahead while registrations come in bursts ({@link LeasePool}), so a registration
     * costs one etcd transaction. Until then (unit tests, tools) every lease is granted when asked for.
     */
    public synchronized void grantAhead(Duration ttl) {
        if (leases == null) {
            leases = new LeasePool(store, ttl);
        }
    }

    /** Stops granting ahead (the controller is stopping); leases still ready expire by themselves. */
    public synchronized void stopGrantingAhead() {
        if (leases != null) {
            leases.close();
            leases = null;
        }
    }

    /** Refreshes a lease once; returns its TTL in seconds. NOT_FOUND when it has expired or was revoked. */
    public long refreshLease(long leaseId) {
        return store.keepAliveOnce(leaseId);
    }

    /** Revokes a lease (its live key goes with it); revoking a lease that is gone succeeds. */
    public void revokeLease(long leaseId) {
        store.revokeLease(leaseId);
    }

    private TxnPart claimFor(HostRecord record) {
        HostId id = record.hostId();
        return new TxnPart(List.of(Cmp.absent(keys.host(id)), Cmp.absent(keys.subnet(record.subnet()))), List.of(
                Op.put(keys.subnet(record.subnet()), codec.encode(new SubnetClaim(id, record.allocatedAtMs()))),
                Op.put(keys.host(id), codec.encode(record))));
    }

    private TxnPart unchanged(Versioned<HostRecord> current) {
        return TxnPart.when(Cmp.modRevision(keys.host(current.value().hostId()), current.modRevision()));
    }

    private TxnPart liveAsRead(HostId id, Optional<Live> live) {
        return TxnPart.when(live.map(l -> Cmp.modRevision(keys.live(id), l.modRevision())).orElse(Cmp.absent(keys.live(id))));
    }

    private TxnPart notLive(HostId id) {
        return TxnPart.when(Cmp.absent(keys.live(id)));
    }

    private TxnPart bind(LiveRecord live) {
        return TxnPart.then(Op.put(keys.live(live.hostId()), codec.encode(live), live.leaseId()));
    }

    private Live toLive(KeyValue kv) {
        return new Live(codec.decode(kv.key(), kv.value(), LiveRecord.class), kv.leaseId(), kv.modRevision());
    }
}
