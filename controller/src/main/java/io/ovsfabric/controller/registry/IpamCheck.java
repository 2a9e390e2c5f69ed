package io.ovsfabric.controller.registry;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.ipam.HostReport;
import io.ovsfabric.controller.ipam.IpamAudit;
import io.ovsfabric.controller.ipam.IpamAudit.Finding;
import io.ovsfabric.controller.ipam.IpamAudit.HostObservation;
import io.ovsfabric.controller.model.EndpointRecord;
import io.ovsfabric.controller.model.HostRecord;
import io.ovsfabric.controller.model.Versioned;
import io.ovsfabric.controller.store.HostRepository;
import io.ovsfabric.controller.store.ReportRepository;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores each host's last report in etcd (bound to the host's lease, so every controller judges every host and a
 * dead host's report goes with it) and runs {@link IpamAudit} against etcd, now and at each report's revision.
 *
 * <p>Agents report every 30 s, but an unchanged report is written only every {@link #REFRESH}: each etcd write is a
 * revision kept until someone compacts, and a quiet fabric must not grow etcd's history. This controller remembers
 * when it last heard an unchanged report, so its checks judge with that time; another controller judges a quiet host
 * with a report at most {@link #REFRESH} old.
 */
public final class IpamCheck {
    private static final Logger log = LoggerFactory.getLogger(IpamCheck.class);
    public static final Duration DEFAULT_MIN_AGE = Duration.ofSeconds(60);
    public static final Duration REFRESH = Duration.ofMinutes(5);

    private final ReportRepository reports;
    private final EndpointRegistry endpoints;
    private final HostRepository hosts;
    private final Clock clock;
    /** The last report this controller received per host (possibly newer than etcd's, when unchanged). */
    private final Map<HostId, HostReport> heard = new ConcurrentHashMap<>();

    /** A finding and whether {@code --repair} released it. */
    public record Checked(Finding finding, boolean repaired) {}

    public record Outcome(List<Checked> findings, List<HostId> unreportedHosts, List<String> partialHosts) {}

    public IpamCheck(ReportRepository reports, EndpointRegistry endpoints, HostRepository hosts, Clock clock) {
        this.reports = reports;
        this.endpoints = endpoints;
        this.hosts = hosts;
        this.clock = clock;
    }

    /**
     * Replaces a host's report with what it has now, stamped with this controller's clock. Only a live host reports:
     * the report is bound to its lease (FAILED_PRECONDITION otherwise; the agent re-registers and reports again).
     */
    public void report(HostId host, HostReport what) {
        HostRepository.Live live = hosts.live(host).orElseThrow(() -> new FabricException(FabricException.Code.REFUSED,
                "host " + host + " has no live lease; register it before it reports its endpoints"));
        HostReport stamped = what.receivedAt(clock.millis());
        Optional<HostReport> last = reports.find(host);
        heard.put(host, stamped);
        if (last.isPresent() && last.get().sameHoldings(stamped)
                && stamped.receivedAtMs() - last.get().receivedAtMs() < REFRESH.toMillis()) {
            return;     // unchanged: remembered here, written at the next refresh
        }
        reports.put(host, stamped, live.leaseId());
        log.debug("host {} reports {} plugin addresses, {} Docker endpoints{}, {} bridge ports{}", host,
                what.plugin().size(), what.docker().size(), what.dockerObserved() ? "" : " (Docker not observed)",
                what.ports().size(), what.ovsObserved() ? "" : " (OVS not observed)");
    }

    public Outcome check(boolean repair, Duration minAge) {
        // Reports first, then etcd: an allocation made after a report is younger than the report and never judged.
        List<ReportRepository.Stored> reported = reports.all();
        HostRepository.Hosts all = hosts.all();
        List<EndpointRecord> allocations = endpoints.list(null, null);
        Map<HostId, HostObservation> observations = new HashMap<>();
        for (ReportRepository.Stored kv : reported) {
            HostId host = kv.host();
            HostReport report = kv.report();
            HostReport later = heard.get(host);
            if (later != null && later.receivedAtMs() > report.receivedAtMs() && later.sameHoldings(report)) {
                report = later;     // heard unchanged since it was written: judge with the newer time
            }
            // Judged at the host's own topology revision (before it read what it has), else at the report's write.
            long at = report.revision() > 0 ? Math.min(report.revision(), kv.modRevision()) : kv.modRevision();
            observations.put(host, new HostObservation(report, allocationsAt(host, at)));
        }
        Set<HostId> known = all.records().stream().map(Versioned::value).map(HostRecord::hostId).collect(Collectors.toSet());
        IpamAudit.Result result = IpamAudit.check(allocations, known, all.live().keySet(), observations, minAge.toMillis());
        List<Checked> out = new ArrayList<>();
        for (Finding f : result.findings()) {
            boolean repaired = false;
            if (repair && f.repairable() && f.endpoint().isPresent()) {
                EndpointRecord e = f.endpoint().get();
                // By address and handle: releases nothing if the address was re-used meanwhile.
                repaired = endpoints.release(e.networkId(), e.address().toString(), e.endpointId()).isPresent();
                log.info("ipam repair: released {} in network {} (endpoint {} on host {}): {}", e.address(), e.networkId(),
                        e.endpointId(), e.hostId(), f.reason());
            }
            out.add(new Checked(f, repaired));
        }
        return new Outcome(out, result.unreportedHosts(), result.partialHosts());
    }

    private Optional<List<EndpointRecord>> allocationsAt(HostId host, long revision) {
        try {
            return Optional.of(endpoints.allAt(revision));
        } catch (FabricException e) {
            // Compacted away (or etcd refused): that host's orphans are not judged this time.
            log.info("ipam check: etcd cannot read revision {} of host {}'s report ({}); its orphans are not judged",
                    revision, host, e.getMessage());
            return Optional.empty();
        }
    }
}
