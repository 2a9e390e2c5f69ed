package io.ovsfabric.controller.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.controller.ipam.IpamAudit.Kind;
import io.ovsfabric.controller.ipam.IpamAudit.Ref;
import io.ovsfabric.controller.ipam.IpamAudit.Report;
import io.ovsfabric.controller.model.EndpointRecord;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IpamAuditTest {
    private static final HostId H1 = HostId.of("h1");
    private static final HostId H2 = HostId.of("h2");
    private static final HostId GONE = HostId.of("gone");

    private static EndpointRecord ep(String handle, HostId host, String address, long at) {
        return new EndpointRecord("n1", handle, host, Ipv4Address.parse(address), "", "", "", List.of(), at);
    }

    @Test
    void consistentFabricHasNoFindings() {
        IpamAudit.Result r = IpamAudit.check(List.of(ep("a", H1, "10.201.0.2", 0), ep("b", H2, "10.201.0.3", 0)),
                Set.of(H1, H2), Set.of(H1, H2),
                Map.of(H1, new Report(100_000, Set.of(new Ref("n1", "a"))), H2, new Report(100_000, Set.of(new Ref("n1", "b")))), 60_000);
        assertEquals(List.of(), r.findings());
        assertEquals(List.of(), r.unreportedHosts());
    }

    @Test
    void missingFromItsHostsReportIsALeakOnlyOnceOldEnough() {
        List<EndpointRecord> etcd = List.of(ep("old", H1, "10.201.0.2", 0), ep("young", H1, "10.201.0.3", 50_000));
        IpamAudit.Result r = IpamAudit.check(etcd, Set.of(H1), Set.of(H1), Map.of(H1, new Report(100_000, Set.of())), 60_000);
        assertEquals(1, r.findings().size());
        IpamAudit.Finding f = r.findings().get(0);
        assertEquals(Kind.LEAK, f.kind());
        assertEquals(new Ref("n1", "old"), f.ref());
        assertTrue(f.repairable());
    }

    @Test
    void hostWithoutReportIsNotJudgedButListed() {
        IpamAudit.Result r = IpamAudit.check(List.of(ep("a", H1, "10.201.0.2", 0)), Set.of(H1), Set.of(H1), Map.of(), 0);
        assertEquals(List.of(), r.findings());
        assertEquals(List.of(H1), r.unreportedHosts());
    }

    @Test
    void allocationOfAHostThatIsGoneIsALeak() {
        IpamAudit.Result r = IpamAudit.check(List.of(ep("a", GONE, "10.201.0.2", 0)), Set.of(H1), Set.of(H1),
                Map.of(H1, new Report(1, Set.of())), 60_000);
        assertEquals(Kind.LEAK, r.findings().get(0).kind());
        assertEquals(GONE, r.findings().get(0).host());
    }

    @Test
    void reportedHandleUnknownToEtcdIsAnOrphanAndNotRepairable() {
        IpamAudit.Result r = IpamAudit.check(List.of(), Set.of(H1), Set.of(H1),
                Map.of(H1, new Report(1, Set.of(new Ref("n1", "x")))), 60_000);
        assertEquals(1, r.findings().size());
        assertEquals(Kind.ORPHAN, r.findings().get(0).kind());
        assertFalse(r.findings().get(0).repairable());
        assertTrue(r.findings().get(0).endpoint().isEmpty());
    }

    @Test
    void downHostKeepsItsAddressesWhileItsRecordExists() {
        IpamAudit.Result r = IpamAudit.check(List.of(ep("a", H2, "10.201.0.2", 0)), Set.of(H1, H2), Set.of(H1),
                Map.of(H1, new Report(100_000, Set.of())), 60_000);
        assertEquals(List.of(), r.findings());
    }
}
