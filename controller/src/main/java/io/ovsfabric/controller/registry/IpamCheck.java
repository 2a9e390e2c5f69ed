package io.ovsfabric.controller.registry;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.ipam.IpamAudit;
import io.ovsfabric.controller.ipam.IpamAudit.Finding;
import io.ovsfabric.controller.ipam.IpamAudit.Ref;
import io.ovsfabric.controller.ipam.IpamAudit.Report;
import io.ovsfabric.controller.model.EndpointRecord;
import io.ovsfabric.controller.model.HostRecord;
import io.ovsfabric.controller.model.Versioned;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each host's last endpoint report (in this controller's memory: a restarted controller knows nothing until the
 * agents report again, and then judges nothing it has not heard about) and runs {@link IpamAudit} against etcd.
 */
public final class IpamCheck {
    private static final Logger log = LoggerFactory.getLogger(IpamCheck.class);
    public static final Duration DEFAULT_MIN_AGE = Duration.ofSeconds(60);

    private final EndpointRegistry endpoints;
    private final HostStore hosts;
    private final Clock clock;
    private final Map<HostId, Report> reports = new ConcurrentHashMap<>();

    /** A finding and whether {@code --repair} released it. */
    public record Checked(Finding finding, boolean repaired) {}

    public record Outcome(List<Checked> findings, List<HostId> unreportedHosts) {}

    public IpamCheck(EndpointRegistry endpoints, HostStore hosts, Clock clock) {
        this.endpoints = endpoints;
        this.hosts = hosts;
        this.clock = clock;
    }

    /** Replaces a host's report with what it holds now. */
    public void report(String hostId, Set<Ref> held) {
        HostId host = HostId.of(hostId);
        reports.put(host, new Report(clock.millis(), held));
        log.debug("host {} reports {} endpoints", host, held.size());
    }

    public Outcome check(boolean repair, Duration minAge) {
        // Reports first, then etcd: an allocation made after a report is younger than the report and never judged.
        Map<HostId, Report> snapshot = Map.copyOf(reports);
        HostStore.Hosts all = hosts.all();
        List<EndpointRecord> allocations = endpoints.list(null, null);
        Set<HostId> known = all.records().stream().map(Versioned::value).map(HostRecord::hostId).collect(Collectors.toSet());
        IpamAudit.Result result = IpamAudit.check(allocations, known, all.live().keySet(), snapshot, minAge.toMillis());
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
        return new Outcome(out, result.unreportedHosts());
    }
}
