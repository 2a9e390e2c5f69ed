package io.ovsfabric.controller.ipam;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.controller.model.FabricPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The fabric plan a controller was started with. Every field is optional (null = not given): a controller started
 * without them adopts the stored plan; the first controller needs at least the fabric CIDR and host prefix. The lease
 * TTL and reclaim grace period are part of the plan, so that every controller applies the same liveness policy.
 */
public record PlanRequest(String fabricCidr, Integer hostPrefix, Long tunnelKey, Integer underlayMtu, Duration leaseTtl,
        Duration reclaimGrace) {

    public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_RECLAIM_GRACE = Duration.ofMinutes(10);
    public static final Duration MIN_LEASE_TTL = Duration.ofSeconds(2);

    public PlanRequest(String fabricCidr, Integer hostPrefix, Long tunnelKey, Integer underlayMtu) {
        this(fabricCidr, hostPrefix, tunnelKey, underlayMtu, null, null);
    }

    public static final long DEFAULT_TUNNEL_KEY = 1;
    public static final int DEFAULT_UNDERLAY_MTU = 1500;
    public static final int MAX_HOST_PREFIX = 30;
    public static final int MIN_UNDERLAY_MTU = 576;
    public static final int MAX_UNDERLAY_MTU = 65535;
    public static final long MAX_TUNNEL_KEY = 0xffffffffL;

    /** Every problem with the given fields, all at once (empty when valid). */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        Cidr cidr = null;
        if (fabricCidr != null) {
            try {
                cidr = Cidr.parse(fabricCidr);
            } catch (InvalidInputException e) {
                problems.add("--fabric-cidr: " + e.getMessage());
            }
        }
        if (hostPrefix != null) {
            if (hostPrefix < 1 || hostPrefix > MAX_HOST_PREFIX) {
                problems.add("--host-prefix: /" + hostPrefix + " is outside 1-" + MAX_HOST_PREFIX
                        + " (a host subnet needs a network address, a gateway, at least one container and a broadcast address)");
            } else if (cidr != null && hostPrefix <= cidr.prefixLength()) {
                problems.add("--host-prefix: /" + hostPrefix + " must be longer than the fabric's /" + cidr.prefixLength()
                        + " (each host gets a slice of " + cidr + ", e.g. --host-prefix " + Math.min(MAX_HOST_PREFIX, Math.max(24, cidr.prefixLength() + 1)) + ")");
            }
        }
        if (tunnelKey != null && (tunnelKey < 1 || tunnelKey > MAX_TUNNEL_KEY)) {
            problems.add("--tunnel-key: " + tunnelKey + " is outside 1-" + MAX_TUNNEL_KEY + " (GRE key 0 means 'no key')");
        }
        if (underlayMtu != null && (underlayMtu < MIN_UNDERLAY_MTU || underlayMtu > MAX_UNDERLAY_MTU)) {
            problems.add("--underlay-mtu: " + underlayMtu + " is outside " + MIN_UNDERLAY_MTU + "-" + MAX_UNDERLAY_MTU);
        }
        if (leaseTtl != null && (leaseTtl.compareTo(MIN_LEASE_TTL) < 0 || leaseTtl.toMillis() % 1000 != 0)) {
            problems.add("--lease-ttl: " + leaseTtl.toMillis() + " ms must be whole seconds, at least 2s (etcd's minimum lease TTL)");
        }
        if (reclaimGrace != null && reclaimGrace.isNegative()) {
            problems.add("--reclaim-grace: must not be negative");
        }
        return problems;
    }

    /** Throws one InvalidInputException listing every problem. */
    public void validate() {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            throw new InvalidInputException("invalid fabric config: " + String.join("; ", problems));
        }
    }

    /** The plan the first controller stores, with defaults for what was not given. */
    public FabricPlan toNewPlan(String fabricId, long nowMs) {
        validate();
        if (fabricCidr == null || hostPrefix == null) {
            throw new InvalidInputException("no fabric config is stored in etcd yet: the first controller needs"
                    + " --fabric-cidr and --host-prefix (e.g. --fabric-cidr 10.200.0.0/16 --host-prefix 24)");
        }
        return new FabricPlan(Cidr.parse(fabricCidr), hostPrefix, tunnelKey == null ? DEFAULT_TUNNEL_KEY : tunnelKey,
                underlayMtu == null ? DEFAULT_UNDERLAY_MTU : underlayMtu, FabricPlan.GRE_OVERHEAD, FabricPlan.RESERVED_HEAD,
                fabricId, nowMs, (leaseTtl == null ? DEFAULT_LEASE_TTL : leaseTtl).toMillis(),
                (reclaimGrace == null ? DEFAULT_RECLAIM_GRACE : reclaimGrace).toMillis());
    }

    /** Fields given here that disagree with the stored plan, as "flag: stored X, given Y" lines (empty: agrees). */
    public List<String> differencesFrom(FabricPlan stored) {
        List<String> diffs = new ArrayList<>();
        if (fabricCidr != null && !Cidr.parse(fabricCidr).equals(stored.fabricCidr())) {
            diffs.add("--fabric-cidr: stored " + stored.fabricCidr() + ", given " + Cidr.parse(fabricCidr));
        }
        if (hostPrefix != null && hostPrefix != stored.hostPrefix()) {
            diffs.add("--host-prefix: stored " + stored.hostPrefix() + ", given " + hostPrefix);
        }
        if (tunnelKey != null && tunnelKey != stored.tunnelKey()) {
            diffs.add("--tunnel-key: stored " + stored.tunnelKey() + ", given " + tunnelKey);
        }
        if (underlayMtu != null && underlayMtu != stored.underlayMtu()) {
            diffs.add("--underlay-mtu: stored " + stored.underlayMtu() + ", given " + underlayMtu);
        }
        if (leaseTtl != null && !leaseTtl.equals(stored.leaseTtl())) {
            diffs.add("--lease-ttl: stored " + seconds(stored.leaseTtl()) + ", given " + seconds(leaseTtl));
        }
        if (reclaimGrace != null && !reclaimGrace.equals(stored.reclaimGrace())) {
            diffs.add("--reclaim-grace: stored " + seconds(stored.reclaimGrace()) + ", given " + seconds(reclaimGrace));
        }
        return diffs;
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
