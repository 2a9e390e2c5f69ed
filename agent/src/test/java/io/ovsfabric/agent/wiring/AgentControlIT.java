package io.ovsfabric.agent.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.model.FabricHost;
import io.ovsfabric.agent.model.TopologyUpdate;
import io.ovsfabric.agent.rpc.ControllerClient;
import io.ovsfabric.agent.state.AgentStateStore;
import io.ovsfabric.agent.testing.FakeDataPlane;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.testing.EtcdExtension;
import io.ovsfabric.common.testing.Poll;
import io.ovsfabric.controller.cli.ControllerConfig;
import io.ovsfabric.controller.ipam.PlanRequest;
import io.ovsfabric.controller.wiring.Controller;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Agents' control side against a real controller and a real etcd (the data plane is a recording fake here). */
class AgentControlIT {
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension("ag");
    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Controller controller;
    private int port;
    private String prefix;

    record Agent(AgentRuntime runtime, FakeDataPlane plane) {}

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        if (controller != null) {
            controller.close();
        }
    }

    private void startController() throws InterruptedException {
        controller = Controller.start(new ControllerConfig(List.of(ETCD.endpoint()), "127.0.0.1", port,
                new PlanRequest("10.200.0.0/16", 24, null, null, Duration.ofSeconds(2), Duration.ofMinutes(10)),
                prefix, "ag-it-" + System.nanoTime()));
    }

    private Agent agent(String id, int n) {
        ControllerClient client = ControllerClient.connect("127.0.0.1:" + port);
        FakeDataPlane plane = new FakeDataPlane();
        AgentRuntime runtime = new AgentRuntime(new AgentRuntime.Options(HostId.of(id),
                Ipv4Address.parse("192.0.2." + n), 1500, Map.of("datapath", "netdev"), Duration.ofSeconds(30),
                Duration.ofMillis(100), Duration.ofSeconds(1)), client.membership(), plane,
                new AgentStateStore(tmp.resolve(id))).start();
        toClose.add(client);
        toClose.add(runtime);
        return new Agent(runtime, plane);
    }

    private static List<String> peers(Agent a) {
        return a.plane().last() == null ? List.of()
                : a.plane().last().peers().stream().map(p -> p.id().value()).toList();
    }

    private static void awaitPeers(Agent a, List<String> expected) {
        Poll.until(WAIT, () -> peers(a).equals(expected), () -> "peers are " + peers(a) + ", expected " + expected);
    }

    @Test
    void agentsSeeEachOtherSurviveAControllerRestartKeepADownPeerAndDropAReleasedOne() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        prefix = ETCD.uniquePrefix();
        startController();
        Agent h1 = agent("h1", 11);
        Agent h2 = agent("h2", 12);
        awaitPeers(h1, List.of("h2"));
        awaitPeers(h2, List.of("h1"));
        assertNotEquals(h1.plane().last().self().subnet(), h2.plane().last().self().subnet());
        assertEquals(1458, h1.plane().last().self().mtu());

        controller.kill();
        controller = null;
        startController();
        Agent h3 = agent("h3", 13);
        awaitPeers(h1, List.of("h2", "h3"));
        awaitPeers(h3, List.of("h1", "h2"));

        // a crash: no deregistration; its lease expires and it turns DOWN, but its peers keep its tunnel (it may only
        // be cut off from the controllers) until its subnet is released
        try (ControllerClient admin = ControllerClient.connect("127.0.0.1:" + port)) {
            AtomicLong downAt = new AtomicLong();
            AutoCloseable watch = admin.membership().watch(HostId.of("observer"), 0, update -> {
                if (update instanceof TopologyUpdate.Delta delta && delta.changes().stream().anyMatch(c ->
                        c instanceof TopologyUpdate.HostUpserted u && u.host().id().value().equals("h2")
                                && u.host().state() == FabricHost.State.DOWN)) {
                    downAt.compareAndSet(0, delta.revision());
                }
            }, end -> { });
            h2.runtime().close();
            Poll.until(WAIT, () -> downAt.get() != 0, () -> "h2 never turned DOWN");
            watch.close();
            assertTrue(!admin.membership().host(HostId.of("h2")).up(), "h2 should be DOWN");
            for (Agent peer : List.of(h1, h3)) {
                Poll.until(WAIT, () -> peer.plane().last().revision() >= downAt.get(), () -> "DOWN not applied");
                assertTrue(peers(peer).contains("h2"), "a DOWN peer keeps its tunnel: " + peers(peer));
            }
            releaseHost(admin, "h2");
        }
        awaitPeers(h1, List.of("h3"));
        awaitPeers(h3, List.of("h1"));
    }

    /** {@code ovsfabricctl hosts release HOST} through the admin API. */
    private void releaseHost(ControllerClient admin, String host) {
        io.grpc.ManagedChannel channel = io.grpc.ManagedChannelBuilder.forTarget("127.0.0.1:" + port).usePlaintext()
                .build();
        try {
            io.ovsfabric.proto.v1.AdminServiceGrpc.newBlockingStub(channel).releaseHost(
                    io.ovsfabric.proto.v1.ReleaseHostRequest.newBuilder().setHostId(host).build());
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void dockerOptsPrintsTheHostsDaemonSettings() throws Exception {
        port = 0;
        prefix = ETCD.uniquePrefix();
        startController();
        port = controller.port();
        Agent h1 = agent("h1", 11);
        assertTrue(h1.runtime().awaitReady(WAIT));
        String subnet = h1.plane().last().self().subnet().toString();
        String base = subnet.substring(0, subnet.lastIndexOf('.'));

        var out = new java.io.StringWriter();
        var err = new java.io.StringWriter();
        var cl = io.ovsfabric.agent.cli.AgentMainAccess.commandLine(out, err);
        assertEquals(0, cl.execute("docker-opts", "--insecure", "--controller", "127.0.0.1:" + port, "--host-id", "h1"), err.toString());
        assertEquals("--bip " + base + ".1/16 --fixed-cidr " + base + ".128/25 --mtu 1458 --dns " + base + ".1", out.toString().trim());

        out.getBuffer().setLength(0);
        assertEquals(0, cl.execute("docker-opts", "--insecure", "--controller", "127.0.0.1:" + port, "--host-id", "h1", "-o", "json"));
        assertTrue(out.toString().contains("\"fixed-cidr\" : \"" + base + ".128/25\""), out.toString());

        assertEquals(1, cl.execute("docker-opts", "--insecure", "--controller", "127.0.0.1:" + port, "--host-id", "nobody"));
        assertTrue(err.toString().contains("ovsfabricctl hosts reserve nobody"), err.toString());
    }
}
