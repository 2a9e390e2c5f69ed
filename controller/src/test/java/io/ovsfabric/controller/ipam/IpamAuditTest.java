package io.ovsfabric.controller.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.controller.ipam.HostReport.DockerEndpoint;
import io.ovsfabric.controller.ipam.HostReport.EndpointPort;
import io.ovsfabric.controller.ipam.HostReport.PluginAddress;
import io.ovsfabric.controller.ipam.IpamAudit.Finding;
import io.ovsfabric.controller.ipam.IpamAudit.HostObservation;
import io.ovsfabric.controller.ipam.IpamAudit.Kind;
import io.ovsfabric.controller.model.EndpointRecord;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IpamAuditTest {
    private static final HostId H1 = HostId.of("h1");
    private static final HostId H2 = HostId.of("h2");
    private static final HostId GONE = HostId.of("gone");
    private static final long MIN_AGE = 60_000;
    private static final long REPORTED_AT = 100_000;

    private static EndpointRecord ep(String handle, HostId host, String address, long at) {
        return new EndpointRecord("n1", handle, host, Ipv4Address.parse(address), "", "", "", List.of(), at);
    }

    private static PluginAddress plugin(String handle, String address) {
        return new PluginAddress("n1", handle, address, false, "d-" + handle);
    }

    private static DockerEndpoint docker(String handle, String address) {
        return new DockerEndpoint("n1", "dn1", "d-" + handle, "c-" + handle, "web-" + handle, address);
    }

    private static EndpointPort port(String handle) {
        return new EndpointPort("ofx" + handle, "n1", handle, "d-" + handle);
    }

    /** A host that showed all three sources. */
    private static HostReport seen(List<PluginAddress> p, List<DockerEndpoint> d, List<EndpointPort> ports) {
        return new HostReport(REPORTED_AT, 0, p, true, d, true, ports);
    }

    private static HostObservation at(HostReport report, List<EndpointRecord> etcdThen) {
        return new HostObservation(report, Optional.of(etcdThen));
    }

    private static IpamAudit.Result check(List<EndpointRecord> etcd, Map<HostId, HostObservation> reports) {
        return IpamAudit.check(etcd, Set.of(H1, H2), Set.of(H1, H2), reports, MIN_AGE);
    }

    @Test
    void containersUsingTheirAllocationsGiveNoFindings() {
        List<EndpointRecord> etcd = List.of(ep("a", H1, "10.201.0.2", 0), ep("b", H2, "10.201.0.3", 0));
        IpamAudit.Result r = check(etcd, Map.of(
                H1, at(seen(List.of(plugin("a", "10.201.0.2")), List.of(docker("a", "10.201.0.2")), List.of(port("a"))), etcd),
                H2, at(seen(List.of(plugin("b", "10.201.0.3")), List.of(docker("b", "10.201.0.3")), List.of(port("b"))), etcd)));
        assertEquals(List.of(), r.findings());
        assertEquals(List.of(), r.unreportedHosts());
        assertEquals(List.of(), r.partialHosts());
    }

    @Test
    void anAllocationWithNoTraceOnItsHostIsALeakOnlyOnceOldEnough() {
        List<EndpointRecord> etcd = List.of(ep("old", H1, "10.201.0.2", 0), ep("young", H1, "10.201.0.3", 50_000));
        IpamAudit.Result r = check(etcd, Map.of(H1, at(seen(List.of(), List.of(), List.of()), etcd)));
        assertEquals(1, r.findings().size(), r.findings().toString());
        Finding f = r.findings().get(0);
        assertEquals(Kind.LEAK, f.kind());
        assertEquals("old", f.ref().endpointId());
        assertTrue(f.repairable());
        assertTrue(f.reason().contains("no Docker endpoint, no bridge port, no plugin record"), f.reason());
    }

    @Test
    void aPluginRecordThatDockerAndOvsDoNotHaveIsAStaleLeak() {
        List<EndpointRecord> etcd = List.of(ep("stale", H1, "10.201.0.2", 0));
        IpamAudit.Result r = check(etcd, Map.of(H1, at(seen(List.of(plugin("stale", "10.201.0.2")), List.of(), List.of()), etcd)));
        assertEquals(Kind.LEAK, r.findings().get(0).kind());
        assertTrue(r.findings().get(0).reason().contains("only a stale plugin record"), r.findings().get(0).reason());
    }

    @Test
    void aSourceThatWasNotReadProvesNothing() {
        List<EndpointRecord> etcd = List.of(ep("a", H1, "10.201.0.2", 0));
        HostReport dockerDown = new HostReport(REPORTED_AT, 0, List.of(plugin("a", "10.201.0.2")), false, List.of(), true, List.of());
        IpamAudit.Result r = check(etcd, Map.of(H1, at(dockerDown, etcd)));
        assertEquals(List.of(), r.findings());
        assertEquals(List.of("h1: Docker not observed"), r.partialHosts());
    }

    @Test
    void reservedAddressesAreUsedWithoutAnEndpoint() {
        List<EndpointRecord> etcd = List.of(ep("aux", H1, "10.201.0.9", 0));
        PluginAddress aux = new PluginAddress("n1", "aux", "10.201.0.9", true, "");
        assertEquals(List.of(), check(etcd, Map.of(H1, at(seen(List.of(aux), List.of(), List.of()), etcd))).findings());
    }

    @Test
    void aDockerEndpointOrABridgePortAloneKeepsTheAllocation() {
        List<EndpointRecord> etcd = List.of(ep("a", H1, "10.201.0.2", 0), ep("b", H1, "10.201.0.3", 0));
        IpamAudit.Result r = check(etcd, Map.of(H1, at(seen(List.of(), List.of(docker("a", "10.201.0.2")), List.of(port("b"))), etcd)));
        assertEquals(List.of(), r.findings());
    }

    @Test
    void hostWithoutReportIsNotJudgedButListed() {
        IpamAudit.Result r = check(List.of(ep("a", H1, "10.201.0.2", 0)), Map.of());
        assertEquals(List.of(), r.findings());
        assertEquals(List.of(H1, H2), r.unreportedHosts());
    }

    @Test
    void allocationOfAHostThatIsGoneIsALeak() {
        IpamAudit.Result r = check(List.of(ep("a", GONE, "10.201.0.2", 0)), Map.of());
        assertEquals(Kind.LEAK, r.findings().get(0).kind());
        assertEquals(GONE, r.findings().get(0).host());
    }

    @Test
    void aContainerOnAnAddressEtcdNeverHeldIsAnOrphanNamingTheContainer() {
        IpamAudit.Result r = check(List.of(), Map.of(H1, at(seen(List.of(), List.of(docker("x", "10.201.0.7")), List.of()), List.of())));
        assertEquals(1, r.findings().size());
        Finding f = r.findings().get(0);
        assertEquals(Kind.ORPHAN, f.kind());
        assertEquals("10.201.0.7", f.address());
        assertEquals("web-x", f.container());
        assertFalse(f.repairable());
        assertTrue(f.reason().contains("docker network disconnect"), f.reason());
    }

    @Test
    void aReleaseAfterTheReportIsNotAnOrphan() {
        List<EndpointRecord> then = List.of(ep("a", H1, "10.201.0.2", 0));
        HostReport report = seen(List.of(plugin("a", "10.201.0.2")), List.of(docker("a", "10.201.0.2")), List.of(port("a")));
        assertEquals(List.of(), check(List.of(), Map.of(H1, at(report, then))).findings());
    }

    @Test
    void aPortUnknownToEtcdIsAnOrphanOnceAndAPluginRecordAloneIsNot() {
        HostReport report = seen(List.of(plugin("p", "10.201.0.5"), plugin("q", "10.201.0.6")), List.of(), List.of(port("p")));
        IpamAudit.Result r = check(List.of(), Map.of(H1, at(report, List.of())));
        assertEquals(1, r.findings().size(), r.findings().toString());
        assertTrue(r.findings().get(0).reason().startsWith("port ofxp"), r.findings().get(0).reason());
        assertEquals("10.201.0.5", r.findings().get(0).address());
    }

    @Test
    void aPluginRecordUnknownToEtcdIsAnOrphanWhenDockerCouldNotBeRead() {
        HostReport report = new HostReport(REPORTED_AT, 0, List.of(plugin("q", "10.201.0.6")), false, List.of(), true, List.of());
        IpamAudit.Result r = check(List.of(), Map.of(H1, at(report, List.of())));
        assertEquals(1, r.findings().size(), r.findings().toString());
        assertTrue(r.findings().get(0).reason().startsWith("the Docker plugin on h1"), r.findings().get(0).reason());
    }

    @Test
    void anIntentIsNeverAnOrphan() {
        HostReport report = seen(List.of(plugin("i", "")), List.of(), List.of());
        assertEquals(List.of(), check(List.of(), Map.of(H1, at(report, List.of()))).findings());
    }

    @Test
    void aContainerUsingAnotherHostsAddressIsAConflict() {
        List<EndpointRecord> etcd = List.of(ep("theirs", H2, "10.201.0.2", 0));
        IpamAudit.Result r = check(etcd, Map.of(H1, at(seen(List.of(), List.of(docker("mine", "10.201.0.2")), List.of()), etcd)));
        assertEquals(1, r.findings().size());
        Finding f = r.findings().get(0);
        assertEquals(Kind.CONFLICT, f.kind());
        assertEquals(H1, f.host());
        assertTrue(f.reason().contains("endpoint theirs on h2"), f.reason());
    }

    @Test
    void aReallocationAfterTheReportIsNotAConflict() {
        List<EndpointRecord> then = List.of(ep("mine", H1, "10.201.0.2", 0));
        List<EndpointRecord> now = List.of(ep("theirs", H2, "10.201.0.2", 200_000));
        HostReport report = seen(List.of(plugin("mine", "10.201.0.2")), List.of(docker("mine", "10.201.0.2")), List.of(port("mine")));
        assertEquals(List.of(), check(now, Map.of(H1, at(report, then))).findings());
    }

    @Test
    void withoutTheReportsRevisionOrphansAreNotJudged() {
        HostReport report = seen(List.of(), List.of(docker("x", "10.201.0.7")), List.of());
        IpamAudit.Result r = check(List.of(), Map.of(H1, new HostObservation(report, Optional.empty())));
        assertEquals(List.of(), r.findings());
        assertTrue(r.partialHosts().get(0).contains("orphans not judged"), r.partialHosts().toString());
    }

    @Test
    void downHostKeepsItsAddressesWhileItsRecordExists() {
        IpamAudit.Result r = IpamAudit.check(List.of(ep("a", H2, "10.201.0.2", 0)), Set.of(H1, H2), Set.of(H1),
                Map.of(H1, at(seen(List.of(), List.of(), List.of()), List.of())), MIN_AGE);
        assertEquals(List.of(), r.findings());
    }
}
