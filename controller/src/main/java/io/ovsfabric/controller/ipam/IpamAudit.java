package io.ovsfabric.controller.ipam;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.model.EndpointRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Compares etcd's endpoint allocations with what hosts last reported holding. Pure: no I/O, no clock.
 *
 * <p>A leak is an etcd allocation whose host record is gone, or whose host reported without it although the
 * allocation was at least {@code minAgeMs} old at that report (younger ones may be in flight between the controller
 * call and the host's state). Leaks are repairable (the address is provably unused). An orphan is a handle a host
 * reported that etcd does not hold; only the host can fix it, so it is reported, never repaired.
 */
public final class IpamAudit {
    private IpamAudit() {}

    /** One (network id, allocation handle) pair. */
    public record Ref(String networkId, String endpointId) {}

    /** A host's last report: when the controller received it and what it held. */
    public record Report(long receivedAtMs, Set<Ref> endpoints) {
        public Report {
            endpoints = Set.copyOf(endpoints);
        }
    }

    public enum Kind { LEAK, ORPHAN }

    /** {@code endpoint} is the etcd record for a leak; for an orphan, only network, handle and host are known. */
    public record Finding(Kind kind, Ref ref, HostId host, Optional<EndpointRecord> endpoint, String reason, boolean repairable) {}

    public record Result(List<Finding> findings, List<HostId> unreportedHosts) {}

    /**
     * @param knownHosts every host with a record in etcd (UP, DOWN or RESERVED)
     * @param liveHosts hosts holding a live lease
     * @param reports last report per host
     */
    public static Result check(List<EndpointRecord> allocations, Set<HostId> knownHosts, Set<HostId> liveHosts,
            Map<HostId, Report> reports, long minAgeMs) {
        List<Finding> findings = new ArrayList<>();
        Set<Ref> inEtcd = new HashSet<>();
        for (EndpointRecord e : allocations) {
            Ref ref = new Ref(e.networkId(), e.endpointId());
            inEtcd.add(ref);
            Report report = reports.get(e.hostId());
            if (!knownHosts.contains(e.hostId())) {
                findings.add(new Finding(Kind.LEAK, ref, e.hostId(), Optional.of(e), "host " + e.hostId() + " no longer exists", true));
            } else if (report != null && !report.endpoints().contains(ref) && e.allocatedAtMs() + minAgeMs <= report.receivedAtMs()) {
                findings.add(new Finding(Kind.LEAK, ref, e.hostId(), Optional.of(e), "host " + e.hostId()
                        + " does not hold it (last report " + (report.receivedAtMs() - e.allocatedAtMs()) / 1000 + "s after the allocation)",
                        true));
            }
        }
        reports.forEach((host, report) -> report.endpoints().stream().filter(ref -> !inEtcd.contains(ref))
                .forEach(ref -> findings.add(new Finding(Kind.ORPHAN, ref, host, Optional.empty(),
                        "host " + host + " holds it but etcd has no such allocation", false))));
        findings.sort(Comparator.comparing((Finding f) -> f.kind()).thenComparing(f -> f.host().value())
                .thenComparing(f -> f.ref().networkId()).thenComparing(f -> f.ref().endpointId()));
        List<HostId> unreported = liveHosts.stream().filter(h -> !reports.containsKey(h))
                .sorted(Comparator.comparing(HostId::value)).toList();
        return new Result(List.copyOf(findings), unreported);
    }
}
