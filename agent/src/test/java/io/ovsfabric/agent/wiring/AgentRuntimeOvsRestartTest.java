package io.ovsfabric.agent.wiring;

import static io.ovsfabric.agent.wiring.AgentRuntimeTest.FABRIC;
import static io.ovsfabric.agent.wiring.AgentRuntimeTest.H1;
import static io.ovsfabric.agent.wiring.AgentRuntimeTest.SELF;
import static io.ovsfabric.agent.wiring.AgentRuntimeTest.WAIT;
import static io.ovsfabric.agent.wiring.AgentRuntimeTest.host;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.model.AttachedPort;
import io.ovsfabric.agent.model.DataPlane;
import io.ovsfabric.agent.model.Topology;
import io.ovsfabric.agent.model.TopologyUpdate;
import io.ovsfabric.agent.rpc.FabricClient;
import io.ovsfabric.agent.testing.FakeFabricClient;
import io.ovsfabric.agent.state.AgentStateStore;
import io.ovsfabric.common.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OVS restarted under a running agent: the lost connection starts a pass, and failed passes are retried quickly. */
class AgentRuntimeOvsRestartTest {
    @TempDir
    Path stateDir;

    /** A data plane whose switch can be "restarted": it reports the lost connection and fails while down. */
    static final class RestartableSwitch implements DataPlane {
        final AtomicInteger passes = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();
        volatile boolean down;
        volatile long lastPassNanos;
        private volatile Runnable lost = () -> {};

        @Override
        public void reconcile(Topology topology) {
            if (down) {
                failures.incrementAndGet();
                throw new IllegalStateException("cannot open the OpenFlow management socket br0.mgmt: refused");
            }
            lastPassNanos = System.nanoTime();
            passes.incrementAndGet();
        }

        @Override
        public void onConnectionLost(Runnable listener) {
            lost = listener;
        }

        void kill() {
            down = true;
            lost.run();
        }

        @Override
        public List<AttachedPort> endpointPorts() {
            return List.of();
        }

        @Override
        public void teardown() {}

        @Override
        public void close() {}
    }

    /** The real defaults' backoff (200 ms up to 5 s) and a periodic pass far away: only the trigger can explain a pass. */
    private AgentRuntime runtime(FakeFabricClient client, DataPlane plane) {
        return new AgentRuntime(new AgentRuntime.Options(H1, SELF.underlayIp(), 1500, Map.of(), Duration.ofMinutes(5),
                Duration.ofMillis(200), Duration.ofSeconds(5)), client, plane, new AgentStateStore(stateDir));
    }

    private static FakeFabricClient controller() {
        return new FakeFabricClient(new FabricClient.Registration(SELF, FABRIC, Duration.ofSeconds(30)));
    }

    private static AgentRuntime started(FakeFabricClient client, AgentRuntime agent) throws InterruptedException {
        agent.start();
        Poll.until(WAIT, () -> client.watches() == 1, () -> "no watch opened");
        client.push(new TopologyUpdate.Snapshot(FABRIC, List.of(host(1, true), host(2, true)), 10));
        assertTrue(agent.awaitReady(WAIT));
        return agent;
    }

    @Test
    void aLostSwitchConnectionStartsAPassAtOnceNotAtTheNextResync() throws Exception {
        FakeFabricClient client = controller();
        RestartableSwitch ovs = new RestartableSwitch();
        try (AgentRuntime agent = started(client, runtime(client, ovs))) {
            Poll.until(WAIT, () -> ovs.passes.get() >= 1, () -> "no first pass");
            int before = ovs.passes.get();
            ovs.kill();
            Poll.until(WAIT, () -> ovs.failures.get() >= 1, () -> "no pass after the lost connection");
            long back = System.nanoTime();
            ovs.down = false;
            Poll.until(Duration.ofSeconds(2), () -> ovs.passes.get() > before, () -> "no pass once OVS answered again");
            assertTrue(Duration.ofNanos(ovs.lastPassNanos - back).compareTo(Duration.ofMillis(1500)) < 0);
        }
    }

    @Test
    void whileTheSwitchIsDownRetriesStayWithinOneSecondSoFlowsAreBackWithinSecondsOfItAnswering() throws Exception {
        FakeFabricClient client = controller();
        RestartableSwitch ovs = new RestartableSwitch();
        try (AgentRuntime agent = started(client, runtime(client, ovs))) {
            Poll.until(WAIT, () -> ovs.passes.get() >= 1, () -> "no first pass");
            int before = ovs.passes.get();
            ovs.kill();
            // 200 + 400 + 800 + 1000 + 1000 ms: with the controller's 5 s cap the sixth try would come 3.2 s later
            Poll.until(WAIT, () -> ovs.failures.get() >= 6, () -> "only " + ovs.failures.get() + " retries");
            long back = System.nanoTime();
            ovs.down = false;
            Poll.until(Duration.ofSeconds(3), () -> ovs.passes.get() > before, () -> "no pass once OVS answered again");
            Duration took = Duration.ofNanos(ovs.lastPassNanos - back);
            assertTrue(took.compareTo(Duration.ofMillis(1300)) < 0, "the pass came " + took + " after OVS answered");
            // and the next passes follow closely (vswitchd may still be opening ports when the first one succeeds);
            // without them the next pass would be the periodic one, 5 minutes away. (A pass that was already running
            // when the switch died may have used up one of the follow-ups.)
            Poll.until(Duration.ofSeconds(5), () -> ovs.passes.get() >= before + AgentRuntime.PASSES_AFTER_LOSS,
                    () -> "only " + (ovs.passes.get() - before) + " passes after the restart");
        }
    }
}
