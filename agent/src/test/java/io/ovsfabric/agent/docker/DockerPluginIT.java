package io.ovsfabric.agent.docker;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.docker.engine.DockerJavaEngine;
import io.ovsfabric.agent.docker.engine.EngineSync;
import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.model.NetworkSpec;
import io.ovsfabric.agent.linux.IptablesPacketFilter;
import io.ovsfabric.agent.linux.ProcessCommandRunner;
import io.ovsfabric.agent.dataplane.DataPlaneConfig;
import io.ovsfabric.agent.dataplane.OvsDataPlane;
import io.ovsfabric.agent.docker.plugin.DataPlanePass;
import io.ovsfabric.agent.linux.SocketPortProbe;
import io.ovsfabric.agent.model.Topology;
import io.ovsfabric.agent.ovs.OvsdbTarget;
import io.ovsfabric.agent.plan.DatapathMode;
import io.ovsfabric.agent.plan.Topologies;
import io.ovsfabric.agent.docker.plugin.FilePluginStateStore;
import io.ovsfabric.agent.docker.plugin.PluginRuntime;
import io.ovsfabric.agent.docker.plugin.PluginSettings;
import io.ovsfabric.agent.docker.plugin.PluginState;
import io.ovsfabric.agent.docker.server.PluginServer;
import io.ovsfabric.agent.testing.FakeFabricNetworks;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real dockerd (20.10) in a private namespace uses the plugin over its socket: network creation with our driver
 * and IPAM, containers getting fabric addresses (from the in-memory controller) on real veth pairs attached to a
 * real OVS br0 by the agent's own data plane (the plugin asks it for a pass and waits), a Join failing half-way,
 * container removal, and an agent restart in the middle.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerPluginIT {
    private final PrivateDockerHost host = new PrivateDockerHost();
    private final FakeFabricNetworks fabric = new FakeFabricNetworks();
    private final FailOnce plumbing = new FailOnce();
    private final Topology topology = Topologies.of(1, 1);
    private OvsDataPlane dataPlane;
    private final HostId hostId = HostId.of("h1");
    private volatile PluginRuntime runtime;
    private PluginServer server;
    private DockerJavaEngine engine;
    private EngineSync sync;
    private String netA;
    private String netB;

    /**
     * The agent's real data plane pass (what AgentRuntime's reconcile loop runs), with one injectable failure: the
     * pass builds the endpoint for real, then fails, as a pass that stops at a later change would.
     */
    private final class FailOnce implements DataPlanePass {
        final AtomicBoolean failNext = new AtomicBoolean();

        @Override
        public synchronized void applyNow(String why) {
            try {
                dataPlane.reconcile(topology);
            } catch (RuntimeException e) {
                throw AgentException.failed(why + ": the data plane pass failed: " + e.getMessage(), e);
            }
            if (failNext.getAndSet(false)) {
                throw AgentException.failed("injected: OVS refused port (" + why + ")", null);
            }
        }

        @Override
        public synchronized void requestSoon() {
            dataPlane.reconcile(topology);
        }
    }

    @BeforeAll
    void start() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root (network namespaces, OVS, dockerd)");
        netA = "dka-" + host.tag;
        netB = "dkb-" + host.tag;
        try {
            host.start();
            dataPlane = OvsDataPlane.open(DataPlaneConfig.defaults(Topologies.underlay(1))
                    .withOvsdb(OvsdbTarget.parse(host.ovsdb())).withOvsRundir(host.ovsDir).withNetns(host.netns)
                    .withDatapathMode(DatapathMode.NETDEV));
            dataPlane.useLocalEndpoints(() -> Optional.ofNullable(runtime).map(PluginRuntime::localEndpoints));
            dataPlane.reconcile(topology);   // the agent's first pass, before the plugin serves
            startAgent();
            engine = DockerJavaEngine.connect("unix://" + host.dockerSock);
            sync = new EngineSync(engine, fabric, runtime, hostId, NO_DATA_PLANE);
        } catch (Exception | AssertionError e) {
            stop();
            throw e;
        }
    }

    private void startAgent() {
        runtime = PluginRuntime.open(new FilePluginStateStore(host.stateDir), fabric, plumbing, new SocketPortProbe(),
                new PluginSettings(hostId, "br0", 1458, Duration.ofMinutes(2)), Clock.systemUTC());
        runtime.recover();
        server = PluginServer.start(host.pluginDir.resolve("ovsfabric.sock"), runtime.protocol());
    }

    @AfterAll
    void stop() {
        try {
            if (engine != null) {
                engine.close();
            }
            if (server != null) {
                server.close();
            }
            if (dataPlane != null) {
                dataPlane.close();
            }
        } finally {
            host.close();
        }
    }

    @Test
    @Order(1)
    void dockerCreatesANetworkWithTheDriverAndItIsRegisteredWithTheController() {
        host.dockerOk("network", "create", "-d", "ovsfabric", "--ipam-driver", "ovsfabric", "--subnet", "10.251.0.0/24", netA);
        assertEquals("ovsfabric ovsfabric 10.251.0.0/24", host.dockerOk("network", "inspect", netA, "--format",
                "{{.Driver}} {{.IPAM.Driver}} {{(index .IPAM.Config 0).Subnet}}"));
        assertTrue(fabric.listNetworks().isEmpty());

        sync.syncNetworks();

        OverlayNetwork registered = fabric.findNetwork(netA).orElseThrow();
        assertEquals(Cidr.parse("10.251.0.0/24"), registered.subnet());
        PluginState.Pool pool = runtime.state().poolForSubnet(registered.subnet()).orElseThrow();
        assertEquals(pool.poolId(), registered.poolId(), "the pool id travels with the network");
        assertEquals(registered.id(), pool.fabricNetworkId());
        assertEquals("h1", registered.labels().get(OverlayNetwork.ORIGIN_HOST_LABEL));
        assertEquals("10.251.0.1", registered.gateway().toString(), "the gateway libnetwork asked the IPAM for");
    }

    @Test
    @Order(2)
    void aContainerGetsItsAddressFromTheFabricOnAVethAttachedToBr0() {
        String c1 = "c1-" + host.tag;
        host.dockerOk("run", "-d", "--name", c1, "--network", netA, host.image, "sleep", "600");
        String ip = host.dockerOk("inspect", c1, "--format", "{{(index .NetworkSettings.Networks \"" + netA + "\").IPAddress}}");
        String endpointId = host.dockerOk("inspect", c1, "--format",
                "{{(index .NetworkSettings.Networks \"" + netA + "\").EndpointID}}");
        assertEquals("10.251.0.2", ip);
        NetworkEndpoint held = single(fabric.endpoints(), ip);
        assertEquals(hostId, held.host());

        String vethHost = "ofxh" + endpointId.substring(0, 11);
        assertTrue(host.inNetns().run(List.of("ip", "link", "show", "dev", vethHost)).succeeded(), vethHost + " exists");
        Map<String, String> ids = host.ovsExternalIds(vethHost);
        assertEquals(held.endpointId(), ids.get("ovsfabric-endpoint"));
        assertEquals(endpointId, ids.get("ovsfabric-docker-endpoint"));
        assertEquals("agent", ids.get("ovsfabric-owner"));
        assertTrue(host.dockerOk("exec", c1, "ip", "-o", "addr", "show", "eth0").contains("inet 10.251.0.2/24"));
        assertEquals("1458", host.dockerOk("exec", c1, "cat", "/sys/class/net/eth0/mtu"));
        assertEquals(held.mac(), host.dockerOk("exec", c1, "cat", "/sys/class/net/eth0/address"));
        assertTrue(host.dockerOk("exec", c1, "ip", "route").contains("default via 10.251.0.1"));

        assertEquals(1, sync.syncEndpoints());
        NetworkEndpoint described = single(fabric.endpoints(), ip);
        assertEquals(c1, described.containerName());
        assertEquals(host.dockerOk("inspect", c1, "--format", "{{.Id}}"), described.containerId());
    }

    @Test
    @Order(3)
    void aFabricNetworkIsCreatedInTheEngineWithTheSameSubnet() {
        OverlayNetwork b = fabric.createNetwork(new NetworkSpec(netB, Cidr.parse("10.252.0.0/24"), Optional.empty(), Map.of()));
        sync.syncNetworks();
        assertEquals("ovsfabric 10.252.0.0/24 10.252.0.1 " + b.id(), host.dockerOk("network", "inspect", netB, "--format",
                "{{.Driver}} {{(index .IPAM.Config 0).Subnet}} {{(index .IPAM.Config 0).Gateway}}"
                        + " {{index .Labels \"io.ovsfabric.network-id\"}}"));
        assertEquals(b.poolId(), runtime.state().poolForSubnet(b.subnet()).orElseThrow().poolId());
        String c2 = "c2-" + host.tag;
        host.dockerOk("run", "-d", "--stop-timeout", "1", "--name", c2, "--network", netB, host.image, "sleep", "600");
        String ip = host.dockerOk("inspect", c2, "--format", "{{(index .NetworkSettings.Networks \"" + netB + "\").IPAddress}}");
        assertEquals("10.252.0.2", ip);
        assertEquals(b.id(), single(fabric.endpoints(), ip).networkId());
        assertTrue(sync.syncNetworks().isEmpty(), "a second pass has nothing to do");

        // With the loop running, Docker's "network connect" event alone tells the controller the container's name.
        sync.start(Duration.ofHours(1));
        String c5 = "c5-" + host.tag;
        host.dockerOk("run", "-d", "--name", c5, "--network", netB, "--network-alias", "db", host.image, "sleep", "600");
        String ip5 = host.dockerOk("inspect", c5, "--format", "{{(index .NetworkSettings.Networks \"" + netB + "\").IPAddress}}");
        PrivateDockerHost.await("the controller knows container " + c5, Duration.ofSeconds(30),
                () -> fabric.endpoints().stream().anyMatch(e -> e.address().toString().equals(ip5)
                        && e.containerName().equals(c5) && e.aliases().contains("db")));
        sync.close();
        host.dockerOk("rm", "-f", c5);
    }

    @Test
    @Order(4)
    void aJoinFailingHalfWayLeaksNoAddressAndNoVeth() {
        int endpointsBefore = fabric.endpoints().size();
        List<String> vethsBefore = veths();
        plumbing.failNext.set(true);
        String c3 = "c3-" + host.tag;
        var run = host.docker("run", "-d", "--name", c3, "--network", netA, host.image, "sleep", "600");
        assertNotEquals(0, run.exitCode(), "docker run must fail");
        assertTrue(run.stderr().contains("injected: OVS refused port"), run.stderr());
        PrivateDockerHost.await("Docker released the failed container's address", Duration.ofSeconds(30),
                () -> fabric.endpoints().size() == endpointsBefore);
        assertEquals(vethsBefore, veths());
        assertTrue(runtime.state().allocations().values().stream().allMatch(PluginState.Allocation::bound));
        host.dockerOk("rm", "-f", c3);
    }

    @Test
    @Order(5)
    void removingAContainerReleasesItsAddressAndVeth() {
        String c1 = "c1-" + host.tag;
        String endpointId = host.dockerOk("inspect", c1, "--format",
                "{{(index .NetworkSettings.Networks \"" + netA + "\").EndpointID}}");
        host.dockerOk("rm", "-f", c1);
        assertTrue(fabric.endpoints().stream().noneMatch(e -> e.address().toString().equals("10.251.0.2")));
        assertFalse(host.inNetns().run(List.of("ip", "link", "show", "dev", "ofxh" + endpointId.substring(0, 11))).succeeded());
        assertFalse(runtime.state().endpoints().containsKey(endpointId));
    }

    @Test
    @Order(6)
    void afterADockerdRestartContainersComeBackOnTheirNetworksWithoutLeaks() throws Exception {
        String c6 = "c6-" + host.tag;
        host.dockerOk("run", "-d", "--stop-timeout", "1", "--restart", "always", "--name", c6, "--network", netA, host.image, "sleep", "600");
        host.restartDockerd();
        PrivateDockerHost.await(c6 + " runs again", Duration.ofSeconds(60),
                () -> host.docker("inspect", c6, "--format", "{{.State.Running}}").stdout().trim().equals("true"));
        String ip = host.dockerOk("inspect", c6, "--format", "{{(index .NetworkSettings.Networks \"" + netA + "\").IPAddress}}");
        String endpointId = host.dockerOk("inspect", c6, "--format",
                "{{(index .NetworkSettings.Networks \"" + netA + "\").EndpointID}}");
        // c2 has no restart policy: it stayed stopped, and Docker released its endpoint while stopping it.
        assertEquals("false", host.dockerOk("inspect", "c2-" + host.tag, "--format", "{{.State.Running}}"));
        assertEquals(1, fabric.endpoints().size(), fabric.endpoints().toString());
        single(fabric.endpoints(), ip);
        assertEquals(java.util.Set.of(endpointId), runtime.state().endpoints().keySet());
        assertEquals(List.of("ofxh" + endpointId.substring(0, 11)), veths());
    }

    @Test
    @Order(7)
    void afterAnAgentRestartDockerCallsKeepWorking() {
        PluginState before = runtime.state();
        server.close();
        startAgent();
        assertEquals(before, runtime.state());
        sync = new EngineSync(engine, fabric, runtime, hostId, NO_DATA_PLANE);

        String c4 = "c4-" + host.tag;
        host.dockerOk("run", "-d", "--name", c4, "--network", netA, host.image, "sleep", "600");
        host.dockerOk("rm", "-f", c4, "c2-" + host.tag, "c6-" + host.tag);
        assertEquals(List.of(), fabric.endpoints());
        assertEquals(List.of(), veths());

        host.dockerOk("network", "rm", netA, netB);
        PluginState after = runtime.state();
        assertTrue(after.networks().isEmpty() && after.pools().isEmpty() && after.allocations().isEmpty()
                && after.endpoints().isEmpty(), after.toString());
    }

    private List<String> veths() {
        return host.inNetns().check(List.of("ip", "-o", "link", "show")).lines()
                .map(l -> l.split(":")[1].trim().replaceAll("@.*", ""))
                .filter(n -> n.startsWith("ofxh") || n.startsWith("ofxc")).sorted().toList();
    }

    private static NetworkEndpoint single(List<NetworkEndpoint> endpoints, String ip) {
        List<NetworkEndpoint> matching = endpoints.stream().filter(e -> e.address().toString().equals(ip)).toList();
        assertEquals(1, matching.size(), endpoints.toString());
        return matching.get(0);
    }

    /** This test has no data plane: its reports say OVS was not read (ipam check then judges nothing from it). */
    private static final io.ovsfabric.agent.docker.engine.DataPlaneView NO_DATA_PLANE = new io.ovsfabric.agent.docker.engine.DataPlaneView() {
        @Override
        public java.util.List<io.ovsfabric.agent.model.AttachedPort> endpointPorts() {
            throw new IllegalStateException("the bridge's ports are not read in this test");
        }

        @Override
        public long appliedRevision() {
            return 0;
        }

        @Override
        public void requestReconcile() {
            // no data plane
        }
    };
}
