package io.ovsfabric.controller.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.testing.EtcdExtension;
import io.ovsfabric.controller.ipam.PlanRequest;
import io.ovsfabric.proto.v1.AdminServiceGrpc;
import io.ovsfabric.proto.v1.AllocateAddressRequest;
import io.ovsfabric.proto.v1.CheckIpamRequest;
import io.ovsfabric.proto.v1.CheckIpamResponse;
import io.ovsfabric.proto.v1.CreateNetworkRequest;
import io.ovsfabric.proto.v1.DockerEndpoint;
import io.ovsfabric.proto.v1.EndpointPort;
import io.ovsfabric.proto.v1.HostInventory;
import io.ovsfabric.proto.v1.PluginAddress;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import io.ovsfabric.proto.v1.IpamFinding;
import io.ovsfabric.proto.v1.IpamFindingKind;
import io.ovsfabric.proto.v1.ListEndpointsRequest;
import io.ovsfabric.proto.v1.Network;
import io.ovsfabric.proto.v1.RegisterRequest;
import io.ovsfabric.proto.v1.ReportEndpointsRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ReportEndpoints + CheckIpam against a real etcd: reports kept in etcd (any controller judges them), leaks, orphans,
 * conflicts, unreported and partly observed hosts, and repair.
 */
class IpamCheckIT {
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension("ctl");

    private Harness harness;
    private Controller controller;
    private FabricServiceGrpc.FabricServiceBlockingStub fabric;
    private AdminServiceGrpc.AdminServiceBlockingStub admin;
    private Network net;

    @BeforeEach
    void setUp() throws Exception {
        harness = new Harness(ETCD.endpoint(), ETCD.uniquePrefix());
        // A long lease: these hosts never send keep-alives, and reports are bound to the host's lease.
        controller = harness.start(new PlanRequest("10.200.0.0/16", 24, null, null), Duration.ofSeconds(60), Duration.ofMinutes(10));
        fabric = harness.fabric(controller);
        admin = harness.admin(controller);
        for (int h = 1; h <= 2; h++) {
            fabric.register(RegisterRequest.newBuilder().setHostId("h" + h).setUnderlayIp("192.0.2.1" + h).build());
        }
        net = admin.createNetwork(CreateNetworkRequest.newBuilder().setName("appnet").setSubnet("10.201.0.0/24").build()).getNetwork();
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    private String allocate(String host, String handle) {
        return fabric.allocateAddress(AllocateAddressRequest.newBuilder().setNetworkId(net.getId()).setHostId(host)
                .setEndpointId(handle).build()).getEndpoint().getAddress();
    }

    private PluginAddress plugin(String handle, String address) {
        return PluginAddress.newBuilder().setNetworkId(net.getId()).setEndpointId(handle).setAddress(address)
                .setDockerEndpointId("d-" + handle).build();
    }

    private DockerEndpoint docker(String handle, String address) {
        return DockerEndpoint.newBuilder().setNetworkId(net.getId()).setDockerNetworkId("dn").setDockerEndpointId("d-" + handle)
                .setContainerId("c-" + handle).setContainerName("web-" + handle).setAddress(address + "/24").build();
    }

    private EndpointPort port(String handle) {
        return EndpointPort.newBuilder().setPort("ofx-" + handle).setNetworkId(net.getId()).setEndpointId(handle)
                .setDockerEndpointId("d-" + handle).build();
    }

    private static ReportEndpointsRequest report(String host, HostInventory.Builder inventory) {
        return ReportEndpointsRequest.newBuilder().setHostId(host).setInventory(inventory.clone().setDockerObserved(true).setOvsObserved(true)).build();
    }

    private static List<String> kinds(CheckIpamResponse r) {
        return r.getFindingsList().stream().map(f -> f.getKind().name().replace("IPAM_FINDING_KIND_", "") + " "
                + f.getEndpoint().getHostId() + " " + f.getEndpoint().getAddress()).toList();
    }

    @Test
    void findsLeaksOrphansAndConflictsFromDockerOvsAndPluginAndRepairsOnlyLeaks() throws Exception {
        String kept = allocate("h1", "kept");
        String leaked = allocate("h1", "leaked");
        String stale = allocate("h1", "stale");
        CheckIpamRequest check = CheckIpamRequest.newBuilder().setMinAgeSeconds(1).build();
        CheckIpamResponse before = admin.checkIpam(check);
        assertEquals(0, before.getFindingsCount(), before.toString());
        assertEquals(List.of("h1", "h2"), before.getUnreportedHostsList());

        // h1: a running container on "kept"; only a plugin record for "stale"; nothing for "leaked".
        ReportEndpointsRequest h1 = report("h1", HostInventory.newBuilder().addPlugin(plugin("kept", kept))
                .addPlugin(plugin("stale", stale)).addDocker(docker("kept", kept)).addOvsPorts(port("kept")));
        // h2: a container on h1's address (conflict), one on an address etcd never gave (orphan), a stray port (orphan).
        ReportEndpointsRequest h2 = report("h2", HostInventory.newBuilder().addDocker(docker("copy", kept))
                .addDocker(docker("rogue", "10.201.0.200")).addOvsPorts(port("stray")));
        fabric.reportEndpoints(h2);
        // Leaks show once a report arrives at least min-age after the allocation: agents report every pass.
        Harness.await("leaks reported", Duration.ofSeconds(20), () -> {
            fabric.reportEndpoints(h1);
            return admin.checkIpam(check).getFindingsList().stream().filter(f -> f.getKind() == IpamFindingKind.IPAM_FINDING_KIND_LEAK).count() == 2;
        });
        CheckIpamResponse found = admin.checkIpam(check);
        assertEquals(List.of(), found.getUnreportedHostsList());
        assertEquals(List.of(), found.getPartialHostsList());
        assertEquals(List.of("LEAK h1 " + leaked, "LEAK h1 " + stale, "ORPHAN h2 ", "ORPHAN h2 10.201.0.200", "CONFLICT h2 " + kept),
                kinds(found), found.toString());
        IpamFinding conflict = found.getFindingsList().stream().filter(f -> f.getKind() == IpamFindingKind.IPAM_FINDING_KIND_CONFLICT).findFirst().orElseThrow();
        assertEquals("web-copy", conflict.getEndpoint().getContainerName());
        assertTrue(conflict.getReason().contains("endpoint kept on h1"), conflict.getReason());
        assertFalse(conflict.getRepairable());

        // A second controller on the same etcd sees the same reports: they live in etcd, not in a controller's memory.
        // (It judges leaks with the report as written; unchanged reports are rewritten only every few minutes.)
        Controller other = harness.start(new PlanRequest("10.200.0.0/16", 24, null, null), Duration.ofSeconds(60), Duration.ofMinutes(10));
        assertEquals(kinds(found).stream().filter(k -> !k.startsWith("LEAK")).toList(),
                kinds(harness.admin(other).checkIpam(check)).stream().filter(k -> !k.startsWith("LEAK")).toList());

        CheckIpamResponse repaired = admin.checkIpam(check.toBuilder().setRepair(true).build());
        assertEquals(2, repaired.getFindingsList().stream().filter(IpamFinding::getRepaired).count(), repaired.toString());
        assertEquals(List.of("kept"), admin.listEndpoints(ListEndpointsRequest.getDefaultInstance()).getEndpointsList().stream()
                .map(e -> e.getEndpointId()).toList());
    }

    @Test
    void aReleaseAfterTheReportIsNotAnOrphanAndAnUnreadSourceProvesNothing() {
        String gone = allocate("h1", "gone");
        String kept = allocate("h1", "kept");
        fabric.reportEndpoints(report("h1", HostInventory.newBuilder().addPlugin(plugin("gone", gone))
                .addDocker(docker("gone", gone)).addOvsPorts(port("gone"))));
        // Docker unreadable on h2 (dockerd restarting): its plugin record keeps "kept" whatever its age.
        fabric.reportEndpoints(ReportEndpointsRequest.newBuilder().setHostId("h2").setInventory(HostInventory.newBuilder()
                .setOvsObserved(true).addPlugin(plugin("kept", kept))).build());
        fabric.releaseAddress(io.ovsfabric.proto.v1.ReleaseAddressRequest.newBuilder().setNetworkId(net.getId())
                .setEndpointId("gone").build());
        CheckIpamResponse r = admin.checkIpam(CheckIpamRequest.newBuilder().setMinAgeSeconds(1).build());
        assertEquals(List.of(), kinds(r), r.toString());
        assertEquals(List.of("h2: Docker not observed"), r.getPartialHostsList());
    }

    @Test
    void onlyARegisteredLiveHostCanReportAndOnlyWithAnInventory() {
        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class, () -> fabric.reportEndpoints(
                report("h9", HostInventory.newBuilder())));
        assertEquals(Status.Code.FAILED_PRECONDITION, unknown.getStatus().getCode());
        assertTrue(unknown.getStatus().getDescription().contains("register"), unknown.getStatus().getDescription());
        StatusRuntimeException old = assertThrows(StatusRuntimeException.class, () -> fabric.reportEndpoints(
                ReportEndpointsRequest.newBuilder().setHostId("h1").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, old.getStatus().getCode());
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> fabric.reportEndpoints(
                report("h1", HostInventory.newBuilder().addDocker(docker("x", "not-an-ip")))));
        assertTrue(bad.getStatus().getDescription().contains("not IPv4"), bad.getStatus().getDescription());
    }

    @Test
    void anUnchangedReportIsNotRewrittenButAChangedOneIs() throws Exception {
        String kept = allocate("h1", "kept");
        ReportEndpointsRequest quiet = report("h1", HostInventory.newBuilder().addPlugin(plugin("kept", kept))
                .addDocker(docker("kept", kept)).addOvsPorts(port("kept")));
        fabric.reportEndpoints(quiet);
        long written = reportRevision("h1");
        for (int i = 0; i < 5; i++) {
            fabric.reportEndpoints(quiet);
        }
        assertEquals(written, reportRevision("h1"), "an unchanged report adds no etcd revision");
        fabric.reportEndpoints(report("h1", HostInventory.newBuilder().addPlugin(plugin("kept", kept))));
        assertTrue(reportRevision("h1") > written, "a changed report is written at once");
    }

    @Test
    void orphansAreJudgedAtTheTopologyRevisionTheHostHadApplied() throws Exception {
        String kept = allocate("h1", "kept");
        long before = etcdRevision();
        HostInventory.Builder uses = HostInventory.newBuilder().addPlugin(plugin("kept", kept)).addDocker(docker("kept", kept))
                .addOvsPorts(port("kept"));
        fabric.reportEndpoints(report("h1", uses.clone().setTopologyRevision(before)));
        // A bad restore: the allocation vanishes from etcd under the running container.
        try (io.etcd.jetcd.Client etcd = io.etcd.jetcd.Client.builder().endpoints(ETCD.endpoint()).build()) {
            for (String key : List.of("addresses/" + net.getId() + "/" + kept, "handles/" + net.getId() + "/kept")) {
                etcd.getKVClient().delete(io.etcd.jetcd.ByteSequence.from((harness.prefix() + key).getBytes()))
                        .get(5, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
        CheckIpamRequest check = CheckIpamRequest.newBuilder().setMinAgeSeconds(1).build();
        assertEquals(List.of(), kinds(admin.checkIpam(check)), "the host has not seen the deletion yet");
        fabric.reportEndpoints(report("h1", uses.clone().setTopologyRevision(etcdRevision())));
        assertEquals(List.of("ORPHAN h1 " + kept), kinds(admin.checkIpam(check)));
    }

    private long etcdRevision() throws Exception {
        try (io.etcd.jetcd.Client etcd = io.etcd.jetcd.Client.builder().endpoints(ETCD.endpoint()).build()) {
            return etcd.getKVClient().get(io.etcd.jetcd.ByteSequence.from("x".getBytes()))
                    .get(5, java.util.concurrent.TimeUnit.SECONDS).getHeader().getRevision();
        }
    }

    private long reportRevision(String host) throws Exception {
        try (io.etcd.jetcd.Client etcd = io.etcd.jetcd.Client.builder().endpoints(ETCD.endpoint()).build()) {
            var kvs = etcd.getKVClient().get(io.etcd.jetcd.ByteSequence.from((harness.prefix() + "reports/" + host).getBytes()))
                    .get(5, java.util.concurrent.TimeUnit.SECONDS).getKvs();
            assertEquals(1, kvs.size(), "report of " + host + " in etcd");
            return kvs.get(0).getModRevision();
        }
    }
}
