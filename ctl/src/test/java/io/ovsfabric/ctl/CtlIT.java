package io.ovsfabric.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.ovsfabric.common.testing.EtcdExtension;
import io.ovsfabric.common.testing.Poll;
import io.ovsfabric.controller.cli.ControllerConfig;
import io.ovsfabric.controller.ipam.PlanRequest;
import io.ovsfabric.controller.wiring.Controller;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import io.ovsfabric.proto.v1.RegisterRequest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ovsfabricctl end to end against a real controller (in-process) and a real etcd. */
class CtlIT {
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension("ctl");

    private static Controller controller;
    private static String address;

    record Run(int exit, String out, String err) {}

    @BeforeAll
    static void startController() throws Exception {
        controller = Controller.start(new ControllerConfig(List.of(ETCD.endpoint()), "127.0.0.1", 0,
                new PlanRequest("10.200.0.0/16", 24, null, null, Duration.ofSeconds(5), Duration.ofMinutes(10)),
                ETCD.uniquePrefix(), "ctl-it"));
        address = "127.0.0.1:" + controller.port();
    }

    @AfterAll
    static void stopController() {
        if (controller != null) {
            controller.close();
        }
    }

    private static Run ctl(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] full = new String[args.length + 3];
        full[0] = "--insecure";
        full[1] = "--controller";
        full[2] = address;
        System.arraycopy(args, 0, full, 3, args.length);
        int exit = CtlMain.run(full, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void hostsSubnetsReserveAndReleaseEndToEnd() {
        Run reserve = ctl("hosts", "reserve", "node-1", "--underlay-ip", "192.0.2.21");
        assertEquals(0, reserve.exit(), reserve.err());
        assertTrue(reserve.out().contains("host node-1 holds 10.200.1.0/24 (gateway 10.200.1.1, RESERVED)"), reserve.out());

        ManagedChannel channel = Grpc.newChannelBuilder(address, InsecureChannelCredentials.create()).build();
        try {
            FabricServiceGrpc.newBlockingStub(channel).register(RegisterRequest.newBuilder().setHostId("node-2").setUnderlayIp("192.0.2.22").build());
        } finally {
            channel.shutdownNow();
        }

        Run hosts = ctl("hosts");
        assertEquals(0, hosts.exit(), hosts.err());
        assertTrue(hosts.out().startsWith("HOST"), hosts.out());
        assertTrue(hosts.out().contains("node-1  RESERVED  192.0.2.21  10.200.1.0/24"), hosts.out());
        assertTrue(hosts.out().contains("node-2  UP        192.0.2.22  10.200.2.0/24"), hosts.out());

        Run json = ctl("subnets", "-o", "json");
        assertEquals(0, json.exit(), json.err());
        assertTrue(json.out().contains("\"total_subnets\" : 255"), json.out());
        assertTrue(json.out().contains("\"held_subnets\" : 2"), json.out());
        assertTrue(ctl("hosts", "-o", "json").out().contains("\"host_id\" : \"node-2\""));
        assertTrue(ctl("subnets").out().contains("2 of 255 assignable host subnets held"));

        Run refused = ctl("hosts", "release", "node-2");
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("FAILED_PRECONDITION: host node-2 is live"), refused.err());

        Run forced = ctl("hosts", "release", "node-2", "--force");
        assertEquals(0, forced.exit(), forced.err());
        assertTrue(forced.out().contains("released 10.200.2.0/24 of host node-2 (was UP)"), forced.out());
        assertTrue(forced.err().contains("warning: node-2 was live"), forced.err());

        Run released = ctl("hosts", "release", "node-1");
        assertEquals(0, released.exit(), released.err());
        Run missing = ctl("hosts", "release", "node-1");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("NOT_FOUND: no host node-1"), missing.err());
    }

    @Test
    void badInputAndUnreachableControllerExitNonZeroWithAClearMessage() {
        Run inside = ctl("hosts", "reserve", "node-9", "--underlay-ip", "10.200.9.9");
        assertEquals(1, inside.exit());
        assertTrue(inside.err().contains("INVALID_ARGUMENT: underlay IP 10.200.9.9 of host node-9 is inside the fabric CIDR"), inside.err());
        Run usage = ctl("hosts", "reserve", "node-9");
        assertEquals(2, usage.exit());
        assertTrue(usage.err().contains("Missing required option: '--underlay-ip=IP'"), usage.err());

        StringWriter err = new StringWriter();
        int exit = CtlMain.run(new String[] {"--insecure", "--controller", "127.0.0.1:1", "hosts"}, new PrintWriter(new StringWriter()), new PrintWriter(err, true));
        assertEquals(3, exit);
        assertTrue(err.toString().contains("cannot reach the controller at 127.0.0.1:1"), err.toString());
    }

    @Test
    void fabricShowsThePlanAndTheLeader() {
        Run fabric = ctl("fabric");
        assertEquals(0, fabric.exit(), fabric.err());
        assertTrue(fabric.out().contains("fabric cidr:     10.200.0.0/16 (/24 per host)"), fabric.out());
        assertTrue(fabric.out().contains("underlay mtu:    1500 (overlay mtu 1458)"), fabric.out());
    }

    @Test
    void networksAndEndpointsEndToEnd() {
        ManagedChannel channel = Grpc.newChannelBuilder(address, InsecureChannelCredentials.create()).build();
        try {
            FabricServiceGrpc.FabricServiceBlockingStub fabric = FabricServiceGrpc.newBlockingStub(channel);
            fabric.register(RegisterRequest.newBuilder().setHostId("net-host").setUnderlayIp("192.0.2.31").build());

            Run create = ctl("network", "create", "appnet", "--subnet", "10.201.0.0/16");
            assertEquals(0, create.exit(), create.err());
            assertTrue(create.out().startsWith("network appnet 10.201.0.0/16 (gateway 10.201.0.1, GRE key 4096, id "), create.out());
            Run overlap = ctl("network", "create", "other", "--subnet", "10.201.3.0/24");
            assertEquals(1, overlap.exit());
            assertTrue(overlap.err().contains("ALREADY_EXISTS: subnet 10.201.3.0/24 overlaps network appnet"), overlap.err());
            Run fabricOverlap = ctl("network", "create", "other", "--subnet", "10.200.3.0/24");
            assertTrue(fabricOverlap.err().contains("INVALID_ARGUMENT"), fabricOverlap.err());

            Run ls = ctl("network", "ls");
            assertTrue(ls.out().contains("appnet  10.201.0.0/16  10.201.0.1  4096"), ls.out());
            assertTrue(ctl("network", "ls", "-o", "json").out().contains("\"tunnel_key\" : 4096"));

            var allocated = fabric.allocateAddress(io.ovsfabric.proto.v1.AllocateAddressRequest.newBuilder().setNetworkId("appnet")
                    .setHostId("net-host").setEndpointId("0123456789abcdef0123").build());
            fabric.updateEndpoint(io.ovsfabric.proto.v1.UpdateEndpointRequest.newBuilder().setEndpoint(allocated.getEndpoint().toBuilder()
                    .setContainerName("web1").setContainerId("c0ffee")).build());
            Run endpoints = ctl("endpoints");
            assertEquals(0, endpoints.exit(), endpoints.err());
            assertTrue(endpoints.out().contains("appnet   10.201.0.2  net-host  web1       0123456789ab"), endpoints.out());
            Run json = ctl("endpoints", "-o", "json", "--network", "appnet");
            assertTrue(json.out().contains("\"container_name\" : \"web1\""), json.out());

            Run refused = ctl("network", "rm", "appnet");
            assertEquals(1, refused.exit());
            assertTrue(refused.err().contains("FAILED_PRECONDITION: network appnet still has 1 endpoints (on hosts net-host)"), refused.err());
            Run rm = ctl("network", "rm", "appnet", "--force");
            assertEquals(0, rm.exit(), rm.err());
            assertTrue(rm.out().contains("deleted network appnet (10.201.0.0/16), released 1 endpoint addresses"), rm.out());
            assertTrue(ctl("endpoints").out().contains("no endpoints"));
            assertEquals(0, ctl("hosts", "release", "net-host", "--force").exit()); // leave the pool as found
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void ipamCheckFindsALeakAndRepairReleasesIt() throws Exception {
        ManagedChannel channel = Grpc.newChannelBuilder(address, InsecureChannelCredentials.create()).build();
        try {
            FabricServiceGrpc.FabricServiceBlockingStub fabric = FabricServiceGrpc.newBlockingStub(channel);
            fabric.register(RegisterRequest.newBuilder().setHostId("ipam-host").setUnderlayIp("192.0.2.41").build());
            assertEquals(0, ctl("network", "create", "ipamnet", "--subnet", "10.205.0.0/24").exit());
            fabric.allocateAddress(io.ovsfabric.proto.v1.AllocateAddressRequest.newBuilder().setNetworkId("ipamnet")
                    .setHostId("ipam-host").setEndpointId("leaky").build());
            // The host read Docker and OVS and has nothing: no endpoint, no port, no plugin record.
            var report = io.ovsfabric.proto.v1.ReportEndpointsRequest.newBuilder().setHostId("ipam-host")
                    .setInventory(io.ovsfabric.proto.v1.HostInventory.newBuilder().setDockerObserved(true).setOvsObserved(true)).build();
            // The agent reports periodically; a report at least --min-age after the allocation proves the leak.
            Run[] last = new Run[1];
            Run check = Poll.until("ipam check to find the leak", Duration.ofSeconds(20), () -> {
                fabric.reportEndpoints(report);
                last[0] = ctl("ipam", "check", "--min-age", "1");
                return last[0].out().contains("repairable") ? Optional.of(last[0]) : Optional.empty();
            }, () -> "no leak found: " + last[0].out());
            assertEquals(1, check.exit(), check.err());
            assertTrue(check.out().contains("leak  ipamnet  10.205.0.2  ipam-host  leaky     repairable"), check.out());
            Run repair = ctl("ipam", "check", "--min-age", "1", "--repair", "-o", "json");
            assertEquals(0, repair.exit(), repair.err());
            assertTrue(repair.out().contains("\"repaired\" : true"), repair.out());
            Run clean = ctl("ipam", "check");
            assertEquals(0, clean.exit(), clean.err());
            assertTrue(clean.out().startsWith("no leaks, no orphans, no conflicts"), clean.out());
            assertEquals(0, ctl("network", "rm", "ipamnet").exit());
        } finally {
            ctl("network", "rm", "ipamnet", "--force"); // leave the pool as found, even on failure
            ctl("hosts", "release", "ipam-host", "--force");
            channel.shutdownNow();
        }
    }
}
