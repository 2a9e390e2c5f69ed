package io.ovsfabric.controller.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.testing.EtcdExtension;
import io.ovsfabric.controller.ipam.PlanRequest;
import io.ovsfabric.proto.v1.AdminServiceGrpc;
import io.ovsfabric.proto.v1.AllocateAddressRequest;
import io.ovsfabric.proto.v1.CheckIpamRequest;
import io.ovsfabric.proto.v1.CheckIpamResponse;
import io.ovsfabric.proto.v1.CreateNetworkRequest;
import io.ovsfabric.proto.v1.EndpointRef;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import io.ovsfabric.proto.v1.IpamFinding;
import io.ovsfabric.proto.v1.IpamFindingKind;
import io.ovsfabric.proto.v1.ListEndpointsRequest;
import io.ovsfabric.proto.v1.Network;
import io.ovsfabric.proto.v1.RegisterRequest;
import io.ovsfabric.proto.v1.ReportEndpointsRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ReportEndpoints + CheckIpam against a real etcd: leaks, orphans, unreported hosts and repair. */
class IpamCheckIT {
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension("ctl");

    private Harness harness;
    private Controller controller;

    @BeforeEach
    void setUp() throws Exception {
        harness = new Harness(ETCD.endpoint(), ETCD.uniquePrefix());
        controller = harness.start(new PlanRequest("10.200.0.0/16", 24, null, null), Duration.ofSeconds(10), Duration.ofMinutes(10));
        for (int h = 1; h <= 2; h++) {
            harness.fabric(controller).register(RegisterRequest.newBuilder().setHostId("h" + h).setUnderlayIp("192.0.2.1" + h).build());
        }
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    @Test
    void findsLeaksAndOrphansAndRepairsOnlyLeaks() {
        FabricServiceGrpc.FabricServiceBlockingStub fabric = harness.fabric(controller);
        AdminServiceGrpc.AdminServiceBlockingStub admin = harness.admin(controller);
        Network net = admin.createNetwork(CreateNetworkRequest.newBuilder().setName("appnet").setSubnet("10.201.0.0/24").build()).getNetwork();
        for (String ep : List.of("kept", "leaked")) {
            fabric.allocateAddress(AllocateAddressRequest.newBuilder().setNetworkId(net.getId()).setHostId("h1").setEndpointId(ep).build());
        }
        CheckIpamRequest check = CheckIpamRequest.newBuilder().setMinAgeSeconds(1).build();
        CheckIpamResponse before = admin.checkIpam(check);
        assertEquals(0, before.getFindingsCount(), before.toString());
        assertEquals(List.of("h1", "h2"), before.getUnreportedHostsList());

        ReportEndpointsRequest h1 = ReportEndpointsRequest.newBuilder().setHostId("h1")
                .addEndpoints(EndpointRef.newBuilder().setNetworkId(net.getId()).setEndpointId("kept")).build();
        ReportEndpointsRequest h2 = ReportEndpointsRequest.newBuilder().setHostId("h2")
                .addEndpoints(EndpointRef.newBuilder().setNetworkId(net.getId()).setEndpointId("stray")).build();
        fabric.reportEndpoints(h2);
        // The leak shows once a report arrives at least min-age after the allocation: agents report periodically.
        Harness.await("leak reported", Duration.ofSeconds(20), () -> {
            fabric.reportEndpoints(h1);
            return admin.checkIpam(check).getFindingsList().stream().anyMatch(f -> f.getKind() == IpamFindingKind.IPAM_FINDING_KIND_LEAK);
        });
        CheckIpamResponse found = admin.checkIpam(check);
        assertEquals(List.of(), found.getUnreportedHostsList());
        assertEquals(2, found.getFindingsCount(), found.toString());
        IpamFinding leak = found.getFindings(0);
        assertEquals("leaked", leak.getEndpoint().getEndpointId());
        assertTrue(leak.getRepairable());
        IpamFinding orphan = found.getFindings(1);
        assertEquals(IpamFindingKind.IPAM_FINDING_KIND_ORPHAN, orphan.getKind());
        assertEquals("stray", orphan.getEndpoint().getEndpointId());
        assertEquals("h2", orphan.getEndpoint().getHostId());
        assertFalse(orphan.getRepairable());

        CheckIpamResponse repaired = admin.checkIpam(check.toBuilder().setRepair(true).build());
        assertTrue(repaired.getFindings(0).getRepaired(), repaired.toString());
        assertFalse(repaired.getFindings(1).getRepaired());
        assertEquals(List.of("kept"), admin.listEndpoints(ListEndpointsRequest.getDefaultInstance()).getEndpointsList().stream()
                .map(e -> e.getEndpointId()).toList());
        fabric.reportEndpoints(h2.toBuilder().clearEndpoints().build());
        assertEquals(0, admin.checkIpam(check).getFindingsCount());
    }
}
