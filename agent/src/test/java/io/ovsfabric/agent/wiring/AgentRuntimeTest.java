package io.ovsfabric.agent.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.model.FabricHost;
import io.ovsfabric.agent.model.FabricSettings;
import io.ovsfabric.agent.model.LocalHost;
import io.ovsfabric.agent.model.TopologyUpdate;
import io.ovsfabric.agent.rpc.FabricClient;
import io.ovsfabric.agent.state.AgentStateStore;
import io.ovsfabric.agent.testing.FakeDataPlane;
import io.ovsfabric.agent.testing.FakeFabricClient;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.TunnelKey;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentRuntimeTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    static final FabricSettings FABRIC = new FabricSettings(Cidr.parse("10.200.0.0/16"), 24, TunnelKey.of(1), 1500, 42, 2, "fab");
    static final HostId H1 = HostId.of("h1");
    static final LocalHost SELF = new LocalHost(H1, Ipv4Address.parse("192.0.2.11"), Cidr.parse("10.200.1.0/24"),
            Ipv4Address.parse("10.200.1.1"), 1458);

    @TempDir
    Path stateDir;

    static FabricHost host(int n, boolean up) {
        return new FabricHost(HostId.of("h" + n), Ipv4Address.parse("192.0.2." + (10 + n)),
                Cidr.parse("10.200." + n + ".0/24"), up);
    }

    private AgentRuntime runtime(FakeFabricClient client, FakeDataPlane plane) {
        return new AgentRuntime(new AgentRuntime.Options(H1, SELF.underlayIp(), 1500, Map.of(), Duration.ofMinutes(5),
                Duration.ofMillis(10), Duration.ofMillis(100)), client, plane, new AgentStateStore(stateDir));
    }

    private static FakeFabricClient controller() {
        return new FakeFabricClient(new FabricClient.Registration(SELF, FABRIC, Duration.ofMillis(300)));
    }

    private static List<String> peers(FakeDataPlane plane) {
        return plane.last() == null ? List.of() : plane.last().peers().stream().map(p -> p.id().value()).toList();
    }

    @Test
    void followsSnapshotAndDeltasAndResumesAfterABrokenStream() throws Exception {
        FakeFabricClient client = controller();
        FakeDataPlane plane = new FakeDataPlane();
        try (AgentRuntime agent = runtime(client, plane).start()) {
            Poll.until(WAIT, () -> client.watches() == 1, () -> "no watch opened");
            assertEquals(List.of(0L), client.resumeRevisions());
            client.push(new TopologyUpdate.Snapshot(FABRIC, List.of(host(1, true), host(2, true)), 10));
            assertTrue(agent.awaitReady(WAIT));
            Poll.until(WAIT, () -> peers(plane).equals(List.of("h2")), () -> "peers " + peers(plane));

            client.push(new TopologyUpdate.Delta(List.of(new TopologyUpdate.HostUpserted(host(3, true))), 11));
            Poll.until(WAIT, () -> peers(plane).equals(List.of("h2", "h3")), () -> "peers " + peers(plane));

            client.breakStream();
            Poll.until(WAIT, () -> client.watches() == 2, () -> "no re-watch");
            assertEquals(List.of(0L, 11L), client.resumeRevisions());
            client.push(new TopologyUpdate.Delta(List.of(new TopologyUpdate.HostUpserted(host(2, false))), 12));
            Poll.until(WAIT, () -> agent.currentTopology().orElseThrow().revision() == 12, () -> "delta 12 not seen");
            assertEquals(List.of("h2", "h3"), peers(plane), "a DOWN peer keeps its tunnel");
            client.push(new TopologyUpdate.Delta(List.of(new TopologyUpdate.HostRemoved(HostId.of("h2"))), 13));
            Poll.until(WAIT, () -> peers(plane).equals(List.of("h3")), () -> "peers " + peers(plane));
        }
    }

    @Test
    void keepsTheLastTopologyWhileTheControllerIsDownAndReRegistersWhenTheLeaseIsLost() throws Exception {
        FakeFabricClient client = controller();
        FakeDataPlane plane = new FakeDataPlane();
        try (AgentRuntime agent = runtime(client, plane).start()) {
            Poll.until(WAIT, () -> client.watches() == 1, () -> "no watch opened");
            client.push(new TopologyUpdate.Snapshot(FABRIC, List.of(host(1, true), host(2, true)), 10));
            assertTrue(agent.awaitReady(WAIT));
            client.setReachable(false);
            client.breakStream();
            assertEquals(List.of("h2"), peers(plane));
            assertEquals(List.of("h2"), agent.currentTopology().orElseThrow().peers().stream()
                    .map(p -> p.id().value()).toList());
            client.setReachable(true);
            Poll.until(WAIT, () -> client.watches() >= 2, () -> "no re-watch after the controller came back");
            int before = client.registrations;
            client.loseLease();
            Poll.until(WAIT, () -> client.registrations > before, () -> "no re-registration after the lease was lost");
        }
    }

    /**
     * While the controller (or its etcd) was away, the stream failed each time it opened and its backoff grew to the
     * maximum; the first keep-alive that is answered again opens the stream at once, not after that backoff.
     */
    @Test
    void theStreamOpensAsSoonAsTheControllerAnswersAgainNotAfterItsBackoff() throws Exception {
        FakeFabricClient client = controller();
        FakeDataPlane plane = new FakeDataPlane();
        // backoffs from 10 ms up to 3 s: after 10 failed streams the stream's backoff is 3 s, while keep-alives
        // (lease 300 ms) go out every 100 ms once the controller answers
        try (AgentRuntime agent = new AgentRuntime(new AgentRuntime.Options(H1, SELF.underlayIp(), 1500, Map.of(),
                Duration.ofMinutes(5), Duration.ofMillis(10), Duration.ofSeconds(3)), client, plane,
                new AgentStateStore(stateDir)).start()) {
            Poll.until(WAIT, () -> client.watches() == 1, () -> "no watch opened");
            client.push(new TopologyUpdate.Snapshot(FABRIC, List.of(host(1, true), host(2, true)), 10));
            assertTrue(agent.awaitReady(WAIT));
            int failing = 10;
            client.streamsFailWhileDownThenHealAfter(failing);
            client.setReachable(false);
            client.breakStream();
            Poll.until(Duration.ofSeconds(60), () -> client.watches() == 2 + failing,
                    () -> "the stream opened " + client.watches() + " times");
            assertEquals(1, client.keepAlivesSinceHealAtLastWatch,
                    "the stream opened again only after " + client.keepAlivesSinceHealAtLastWatch
                            + " keep-alives had been answered (it waited out its backoff)");
            assertEquals(List.of("h2"), peers(plane), "the peers stayed while the controller was away");
        }
    }

    @Test
    void aRestartedAgentAppliesItsSavedTopologyBeforeTheControllerAnswers() throws Exception {
        FakeFabricClient first = controller();
        try (AgentRuntime agent = runtime(first, new FakeDataPlane()).start()) {
            Poll.until(WAIT, () -> first.watches() == 1, () -> "no watch opened");
            first.push(new TopologyUpdate.Snapshot(FABRIC, List.of(host(1, true), host(2, true), host(3, true)), 20));
            assertTrue(agent.awaitReady(WAIT));
        }
        FakeFabricClient down = controller();
        down.setReachable(false);
        FakeDataPlane plane = new FakeDataPlane();
        try (AgentRuntime agent = runtime(down, plane).start()) {
            assertTrue(agent.awaitReady(WAIT));
            assertEquals(List.of("h2", "h3"), peers(plane));
            down.setReachable(true);
            Poll.until(WAIT, () -> down.watches() == 1, () -> "no watch");
            assertEquals(List.of(20L), down.resumeRevisions());
        }
    }

    @Test
    void aFailingReconcileIsRetried() throws Exception {
        FakeFabricClient client = controller();
        FakeDataPlane plane = new FakeDataPlane();
        plane.failWith(new IllegalStateException("ovsdb-server not answering"));
        try (AgentRuntime agent = runtime(client, plane).start()) {
            Poll.until(WAIT, () -> client.watches() == 1, () -> "no watch opened");
            client.push(new TopologyUpdate.Snapshot(FABRIC, List.of(host(1, true), host(2, true)), 10));
            assertTrue(!agent.awaitReady(Duration.ofMillis(200)));
            plane.failWith(null);
            assertTrue(agent.awaitReady(WAIT));
            assertEquals(List.of("h2"), peers(plane));
        }
    }

    @Test
    void aHostWhoseSubnetWentToAnotherHostWithdrawsFromTheForwardingInsteadOfForwardingItTwice() throws Exception {
        FakeFabricClient client = controller();
        FakeDataPlane plane = new FakeDataPlane();
        try (AgentRuntime agent = runtime(client, plane).start()) {
            Poll.until(WAIT, () -> client.watches() == 1, () -> "no watch opened");
            client.push(new TopologyUpdate.Snapshot(FABRIC, List.of(host(1, true), host(2, true)), 10));
            assertTrue(agent.awaitReady(WAIT));
            Poll.until(WAIT, () -> peers(plane).equals(List.of("h2")), () -> "peers " + peers(plane));

            client.refusal = new AgentException(AgentException.Code.CONFLICT, "host h1 still forwards subnet"
                    + " 10.200.1.0/24, but it was reclaimed ... and now belongs to host h5", null);
            client.recordGone = true;
            client.loseLease();
            Poll.until(WAIT, () -> peers(plane).isEmpty(), () -> "still forwarding to " + peers(plane));
            assertEquals(Optional.of(SELF.subnet()), client.lastHeldSubnet, "the registration names the held subnet");

            client.refusal = null;   // an operator made room (or the new holder left): registered again
            client.recordGone = false;
            Poll.until(WAIT, () -> peers(plane).equals(List.of("h2")), () -> "peers " + peers(plane));
        }
    }

    @Test
    void aRefusalWhileTheControllerStillHasTheRecordDoesNotWithdraw() throws Exception {
        FakeFabricClient client = controller();
        FakeDataPlane plane = new FakeDataPlane();
        try (AgentRuntime agent = runtime(client, plane).start()) {
            Poll.until(WAIT, () -> client.watches() == 1, () -> "no watch opened");
            client.push(new TopologyUpdate.Snapshot(FABRIC, List.of(host(1, true), host(2, true)), 10));
            assertTrue(agent.awaitReady(WAIT));
            client.refusal = new AgentException(AgentException.Code.CONFLICT, "underlay MTU too small", null);
            int before = client.registrations;
            client.loseLease();
            Poll.until(WAIT, () -> client.registrations > before + 2, () -> "no retries");
            assertEquals(List.of("h2"), peers(plane), "forwarding kept");
        }
    }

    @Test
    void reconcileNowWaitsForAPassThatStartsAfterTheCallAndCarriesItsFailure() throws Exception {
        FakeFabricClient client = controller();
        FakeDataPlane plane = new FakeDataPlane();
        try (AgentRuntime agent = runtime(client, plane).start()) {
            Poll.until(WAIT, () -> client.watches() == 1, () -> "no watch opened");
            client.push(new TopologyUpdate.Snapshot(FABRIC, List.of(host(1, true)), 10));
            assertTrue(agent.awaitReady(WAIT));

            int before = plane.reconcileCount();
            agent.reconcileNow().get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            assertTrue(plane.reconcileCount() > before, "a pass ran for the caller (the resync period is 5 min)");

            plane.failWith(new IllegalStateException("injected: OVS is down"));
            java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class,
                    () -> agent.reconcileNow().get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
            assertEquals("injected: OVS is down", e.getCause().getMessage());
        }
    }
}
