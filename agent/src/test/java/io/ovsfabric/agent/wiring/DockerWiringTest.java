package io.ovsfabric.agent.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.docker.DockerIntegration;
import io.ovsfabric.agent.model.Topology;
import io.ovsfabric.agent.model.TopologyUpdate;
import io.ovsfabric.agent.rpc.FabricClient;
import io.ovsfabric.agent.testing.FakeFabricClient;
import io.ovsfabric.agent.state.AgentStateStore;
import io.ovsfabric.agent.testing.FakeDataPlane;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Docker start-up runs on the Docker side's own thread: an engine that hangs never delays a pass. */
class DockerWiringTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path stateDir;

    /** A start-up whose engine connection never answers (until interrupted), and a DNS server that starts. */
    private static final class HangingEngine implements DockerWiring.Startup {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch interrupted = new CountDownLatch(1);
        final AtomicInteger dnsStarts = new AtomicInteger();

        @Override
        public DockerIntegration docker(Topology topology) {
            entered.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.countDown();
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("engine connect interrupted");
        }

        @Override
        public AutoCloseable dns(Topology topology) {
            dnsStarts.incrementAndGet();
            return () -> { };
        }
    }

    @Test
    void aDockerEngineThatHangsDoesNotDelayPasses() throws Exception {
        FakeFabricClient client = new FakeFabricClient(new FabricClient.Registration(AgentRuntimeTest.SELF,
                AgentRuntimeTest.FABRIC, Duration.ofSeconds(30)));
        FakeDataPlane plane = new FakeDataPlane();
        HangingEngine startup = new HangingEngine();
        DockerWiring docker = new DockerWiring(new DockerWiring.Settings(AgentRuntimeTest.H1, stateDir.resolve("plugins"),
                stateDir, "unix:///nonexistent/docker.sock", stateDir.resolve("resolv.conf")), startup);
        try (AgentRuntime agent = new AgentRuntime(new AgentRuntime.Options(AgentRuntimeTest.H1,
                AgentRuntimeTest.SELF.underlayIp(), 1500, Map.of(), Duration.ofMinutes(5), Duration.ofMillis(10),
                Duration.ofMillis(100)), client, plane, new AgentStateStore(stateDir))) {
            agent.onTopologyApplied(docker);
            agent.start();
            io.ovsfabric.common.testing.Poll.until(WAIT, () -> client.watches() == 1, () -> "no watch opened");
            client.push(new TopologyUpdate.Snapshot(AgentRuntimeTest.FABRIC, List.of(AgentRuntimeTest.host(1, true),
                    AgentRuntimeTest.host(2, true)), 10));
            assertTrue(agent.awaitReady(WAIT));
            assertTrue(startup.entered.await(WAIT.toSeconds(), TimeUnit.SECONDS), "Docker start-up never began");

            // the engine hangs; passes, and the hand-over to the Docker side, go on at once
            for (int i = 0; i < 3; i++) {
                int before = plane.reconcileCount();
                agent.reconcileNow().get(2, TimeUnit.SECONDS);
                assertTrue(plane.reconcileCount() > before, "pass " + i);
            }
            client.push(new TopologyUpdate.Delta(List.of(new TopologyUpdate.HostUpserted(AgentRuntimeTest.host(3, true))),
                    11));
            io.ovsfabric.common.testing.Poll.until(WAIT, () -> plane.last().peers().size() == 2,
                    () -> "delta 11 not applied while Docker hangs");
            assertEquals(1, startup.dnsStarts.get(), "the DNS server started once, before the engine");
            assertTrue(docker.localEndpoints().isEmpty(), "no plugin state while the plugin is not up");
        } finally {
            docker.close();
        }
        assertTrue(startup.interrupted.await(WAIT.toSeconds(), TimeUnit.SECONDS), "close interrupts a hung start-up");
    }
}
