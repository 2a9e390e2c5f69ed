package io.ovsfabric.controller.ipam;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.ipam.HostReport.DockerEndpoint;
import io.ovsfabric.controller.ipam.HostReport.EndpointPort;
import io.ovsfabric.controller.ipam.HostReport.PluginAddress;
import io.ovsfabric.controller.model.EndpointRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Compares etcd's endpoint allocations with what the hosts last reported having: the Docker plugin's records, the
 * engine's endpoints and the bridge's endpoint ports. Pure: no I/O, no clock.
 *
 * <ul>
 * <li>LEAK: an allocation whose host record is gone, or that its host does not use: no Docker endpoint with the
 * address, no port tagged with the handle, and no plugin record (or only a plugin record, when Docker and OVS were
 * both read and neither has it). Judged only when the allocation was at least {@code minAgeMs} old at the report
 * (younger ones may be in flight). Repairable: the address is provably unused.</li>
 * <li>ORPHAN: something on a host uses an address or handle that etcd did not hold when the host reported, and does
 * not hold now: the fabric may hand the address out again. A plugin record alone counts only when Docker or OVS
 * could not be read (otherwise nothing uses it). Only the host can fix it; never repaired here.</li>
 * <li>CONFLICT: a container on one host uses an address that etcd held for an endpoint of another host at the same
 * time (at the report's revision and still now). Never repaired here.</li>
 * </ul>
 * Orphans and conflicts are judged against etcd as it was at the report's revision, so a release or a re-allocation
 * after the report is never mistaken for one.
 */
public final class IpamAudit {
    private IpamAudit() {}

    /** One (network id, allocation handle) pair; the handle is "" when only Docker's endpoint is known. */
    public record Ref(String networkId, String endpointId) {}

    /**
     * A host's last report and etcd's allocations at the report's revision (empty when etcd has compacted that
     * revision away: orphans and conflicts of that host are then not judged).
     */
    public record HostObservation(HostReport report, Optional<List<EndpointRecord>> allocationsAtReport) {}

    public enum Kind { LEAK, ORPHAN, CONFLICT }

    /**
     * {@code endpoint} is the etcd record (for a leak, and for a conflict the record of the other host);
     * {@code address} and {@code container} are what the host showed, when it showed them.
     */
    public record Finding(Kind kind, Ref ref, HostId host, String address, String container,
            Optional<EndpointRecord> endpoint, String reason, boolean repairable) {}

    /** {@code partialHosts} names hosts judged from only some sources, e.g. "h2: Docker not observed". */
    public record Result(List<Finding> findings, List<HostId> unreportedHosts, List<String> partialHosts) {}

    private record Address(String networkId, String address) {}

    /**
     * @param knownHosts every host with a record in etcd (UP, DOWN or RESERVED)
     * @param liveHosts hosts holding a live lease
     * @param observations last report per host
     */
    public static Result check(List<EndpointRecord> allocations, Set<HostId> knownHosts, Set<HostId> liveHosts,
            Map<HostId, HostObservation> observations, long minAgeMs) {
        List<Finding> findings = new ArrayList<>();
        Map<HostId, Evidence> evidence = new HashMap<>();
        observations.forEach((host, o) -> evidence.put(host, new Evidence(o.report())));
        for (EndpointRecord e : allocations) {
            leak(e, knownHosts, observations, evidence, minAgeMs).ifPresent(findings::add);
        }
        Map<Address, EndpointRecord> now = byAddress(allocations);
        Set<Ref> nowHandles = handles(allocations);
        List<String> partial = new ArrayList<>();
        observations.keySet().stream().sorted(Comparator.comparing(HostId::value)).forEach(host -> {
            HostObservation o = observations.get(host);
            HostReport r = o.report();
            if (!r.dockerObserved()) {
                partial.add(host + ": Docker not observed");
            }
            if (!r.ovsObserved()) {
                partial.add(host + ": OVS not observed");
            }
            if (o.allocationsAtReport().isEmpty()) {
                partial.add(host + ": orphans not judged (etcd no longer has the report's revision)");
                return;
            }
            List<EndpointRecord> then = o.allocationsAtReport().get();
            misuse(host, evidence.get(host), byAddress(then), handles(then), now, nowHandles, findings);
        });
        findings.sort(Comparator.comparing(Finding::kind).thenComparing(f -> f.host().value())
                .thenComparing(f -> f.ref().networkId()).thenComparing(Finding::address)
                .thenComparing(f -> f.ref().endpointId()));
        List<HostId> unreported = liveHosts.stream().filter(h -> !observations.containsKey(h))
                .sorted(Comparator.comparing(HostId::value)).toList();
        return new Result(List.copyOf(findings), unreported, List.copyOf(partial));
    }

    private static Optional<Finding> leak(EndpointRecord e, Set<HostId> knownHosts,
            Map<HostId, HostObservation> observations, Map<HostId, Evidence> evidence, long minAgeMs) {
        Ref ref = new Ref(e.networkId(), e.endpointId());
        String address = e.address().toString();
        if (!knownHosts.contains(e.hostId())) {
            return Optional.of(new Finding(Kind.LEAK, ref, e.hostId(), address, e.containerName(), Optional.of(e),
                    "host " + e.hostId() + " no longer exists", true));
        }
        HostObservation o = observations.get(e.hostId());
        if (o == null || e.allocatedAtMs() + minAgeMs > o.report().receivedAtMs()) {
            return Optional.empty();
        }
        Evidence ev = evidence.get(e.hostId());
        if (ev.uses(e)) {
            return Optional.empty();
        }
        return Optional.of(new Finding(Kind.LEAK, ref, e.hostId(), address, e.containerName(), Optional.of(e),
                "unused on " + e.hostId() + ": " + ev.absence(e) + " (report " + (o.report().receivedAtMs() - e.allocatedAtMs()) / 1000
                        + "s after the allocation)", true));
    }

    private static void misuse(HostId host, Evidence ev, Map<Address, EndpointRecord> then, Set<Ref> thenHandles,
            Map<Address, EndpointRecord> now, Set<Ref> nowHandles, List<Finding> findings) {
        Set<Ref> judged = new HashSet<>();
        for (DockerEndpoint d : ev.report.docker()) {
            if (d.networkId().isEmpty() || d.address().isEmpty()) {
                continue;
            }
            Address key = new Address(d.networkId(), d.address());
            Ref ref = new Ref(d.networkId(), ev.handleOf(d));
            judged.add(ref);
            EndpointRecord held = then.get(key);
            EndpointRecord current = now.get(key);
            String container = d.containerName().isEmpty() ? shortId(d.containerId()) : d.containerName();
            if (held == null && current == null) {
                findings.add(new Finding(Kind.ORPHAN, ref, host, d.address(), container, Optional.empty(),
                        "container " + container + " on " + host + " uses it but etcd holds no allocation for it, so"
                                + " the fabric may hand it out again: reconnect the container (docker network disconnect,"
                                + " then connect) to get an allocated address", false));
            } else if (held != null && !held.hostId().equals(host) && current != null
                    && current.endpointId().equals(held.endpointId())) {
                findings.add(new Finding(Kind.CONFLICT, ref, host, d.address(), container, Optional.of(current),
                        "container " + container + " on " + host + " uses it while etcd gives it to endpoint "
                                + current.endpointId() + " on " + current.hostId()
                                + ": two containers share the address; reconnect one of them", false));
            }
        }
        for (EndpointPort p : ev.report.ports()) {
            Ref ref = new Ref(p.networkId(), p.handle());
            if (p.handle().isEmpty() || judged.contains(ref) || thenHandles.contains(ref) || nowHandles.contains(ref)) {
                continue;
            }
            judged.add(ref);
            findings.add(new Finding(Kind.ORPHAN, ref, host, ev.addressOf(ref), "", Optional.empty(),
                    "port " + p.port() + " on " + host + " carries it but etcd holds no such allocation: restart"
                            + " the agent on " + host + " (it removes ports of endpoints Docker no longer has)", false));
        }
        if (ev.report.dockerObserved() && ev.report.ovsObserved()) {
            // Docker and OVS were read and neither uses these: a stale plugin record endangers nothing (the agent
            // drops it after its grace), e.g. right after --repair released a leak the plugin still recorded.
            return;
        }
        for (PluginAddress a : ev.report.plugin()) {
            Ref ref = new Ref(a.networkId(), a.handle());
            if (a.address().isEmpty() || judged.contains(ref) || thenHandles.contains(ref) || nowHandles.contains(ref)) {
                continue;
            }
            findings.add(new Finding(Kind.ORPHAN, ref, host, a.address(), "", Optional.empty(),
                    "the Docker plugin on " + host + " records it but etcd holds no such allocation", false));
        }
    }

    private static Map<Address, EndpointRecord> byAddress(List<EndpointRecord> allocations) {
        Map<Address, EndpointRecord> out = new HashMap<>();
        allocations.forEach(e -> out.put(new Address(e.networkId(), e.address().toString()), e));
        return out;
    }

    private static Set<Ref> handles(List<EndpointRecord> allocations) {
        Set<Ref> out = new HashSet<>();
        allocations.forEach(e -> out.add(new Ref(e.networkId(), e.endpointId())));
        return out;
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    /** One host's report, indexed. */
    private static final class Evidence {
        private final HostReport report;
        private final Set<Address> dockerAddresses = new HashSet<>();
        private final Set<Ref> portHandles = new HashSet<>();
        private final Map<Ref, PluginAddress> plugin = new HashMap<>();
        private final Map<String, String> handleByDockerEndpoint = new HashMap<>();

        Evidence(HostReport report) {
            this.report = report;
            report.docker().forEach(d -> dockerAddresses.add(new Address(d.networkId(), d.address())));
            report.ports().forEach(p -> {
                portHandles.add(new Ref(p.networkId(), p.handle()));
                if (!p.dockerEndpointId().isEmpty()) {
                    handleByDockerEndpoint.put(p.dockerEndpointId(), p.handle());
                }
            });
            report.plugin().forEach(a -> {
                plugin.put(new Ref(a.networkId(), a.handle()), a);
                if (!a.dockerEndpointId().isEmpty()) {
                    handleByDockerEndpoint.put(a.dockerEndpointId(), a.handle());
                }
            });
        }

        /** In use, or not provably unused: a source that was not read proves nothing. */
        boolean uses(EndpointRecord e) {
            Ref ref = new Ref(e.networkId(), e.endpointId());
            if (dockerAddresses.contains(new Address(e.networkId(), e.address().toString())) || portHandles.contains(ref)) {
                return true;
            }
            PluginAddress held = plugin.get(ref);
            if (held == null) {
                return false;
            }
            return held.reserved() || !(report.dockerObserved() && report.ovsObserved());
        }

        String absence(EndpointRecord e) {
            List<String> parts = new ArrayList<>();
            parts.add(report.dockerObserved() ? "no Docker endpoint" : "Docker not observed");
            parts.add(report.ovsObserved() ? "no bridge port" : "OVS not observed");
            PluginAddress held = plugin.get(new Ref(e.networkId(), e.endpointId()));
            parts.add(held == null ? "no plugin record"
                    : "only a stale plugin record" + (held.dockerEndpointId().isEmpty() ? ""
                            : " (Docker endpoint " + shortId(held.dockerEndpointId()) + ")"));
            return String.join(", ", parts);
        }

        String handleOf(DockerEndpoint d) {
            return handleByDockerEndpoint.getOrDefault(d.dockerEndpointId(), "");
        }

        String addressOf(Ref ref) {
            PluginAddress held = plugin.get(ref);
            return held == null ? "" : held.address();
        }
    }
}
