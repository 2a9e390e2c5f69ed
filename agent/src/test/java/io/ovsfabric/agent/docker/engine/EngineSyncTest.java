package io.ovsfabric.agent.docker.engine;

import io.ovsfabric.agent.docker.MacAddress;
import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.model.NetworkSpec;
import io.ovsfabric.agent.docker.plugin.PluginRuntime;
import io.ovsfabric.agent.docker.plugin.PluginSettings;
import io.ovsfabric.agent.docker.protocol.IpamService;
import io.ovsfabric.agent.docker.protocol.NetworkDriverService;
import io.ovsfabric.agent.testing.FakeContainerEngine;
import io.ovsfabric.agent.testing.FakeFabricNetworks;
import io.ovsfabric.agent.testing.FakeHostDataPlane;
import io.ovsfabric.agent.testing.FakePluginStateStore;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.agent.model.HostInventory;
import io.ovsfabric.agent.model.AttachedPort;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.testing.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sync loop against a fake engine and controller, with the real plugin runtime in between. */
class EngineSyncTest {
    private static final String NID = "a".repeat(64);
    private static final String EID = "e".repeat(64);

    private final FakeFabricNetworks fabric = new FakeFabricNetworks();
    private final FakeContainerEngine engine = new FakeContainerEngine();
    private final FakeHostDataPlane DATA_PLANE = new FakeHostDataPlane();
    private final PluginRuntime plugin = PluginRuntime.open(new FakePluginStateStore(), fabric, DATA_PLANE,
                DATA_PLANE, new PluginSettings(HostId.of("h1"), "br0", 1458, Duration.ofMinutes(2)), Clock.systemUTC());
    private final List<AttachedPort> bridgePorts = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean ovsDown;
    private volatile long appliedRevision = 7;
    private final EngineSync sync = new EngineSync(engine, fabric, plugin, HostId.of("h1"), new DataPlaneView() {
        @Override
        public List<AttachedPort> endpointPorts() {
            if (ovsDown) {
                throw new IllegalStateException("OVSDB unreachable");
            }
            return List.copyOf(bridgePorts);
        }

        @Override
        public long appliedRevision() {
            return appliedRevision;
        }

        @Override
        public void requestReconcile() {
            reconcileRequests.incrementAndGet();
        }
    });
    private final java.util.concurrent.atomic.AtomicInteger reconcileRequests = new java.util.concurrent.atomic.AtomicInteger();

    @AfterEach
    void stop() {
        sync.close();
    }

    /** What dockerd does for `docker network create -d ovsfabric --ipam-driver ovsfabric --subnet S NAME`. */
    private String dockerNetworkCreate(String name, String subnet) {
        Cidr cidr = Cidr.parse(subnet);
        IpamService.PoolGrant pool = plugin.ipam().requestPool(new IpamService.PoolRequest("ovsfabric", Optional.of(cidr), Map.of()));
        Ipv4Address gw = plugin.ipam().requestAddress(new IpamService.AddressRequest(pool.poolId(), Optional.empty(), true,
                Optional.empty())).address();
        // for a fabric network's subnet this is the sync's copy, which names the fabric network
        Map<String, String> options = pool.data().containsKey(EngineSyncPlan.NETWORK_ID_KEY)
                ? Map.of(EngineSyncPlan.NETWORK_ID_KEY, pool.data().get(EngineSyncPlan.NETWORK_ID_KEY)) : Map.of();
        plugin.driver().createNetwork(new NetworkDriverService.CreateNetwork(NID, "ovsfabric", cidr, gw, options));
        engine.addNetwork(FakeContainerEngine.network(NID, name, subnet, Map.of()));
        return pool.poolId();
    }

    @Test
    void fabricNetworksAppearInTheEngineOnce() {
        OverlayNetwork appnet = fabric.createNetwork(new NetworkSpec("appnet", Cidr.parse("10.201.0.0/24"), Optional.empty(), Map.of()));
        sync.syncNetworks();
        EngineNetwork created = engine.networks().values().iterator().next();
        assertEquals("appnet", created.name());
        assertEquals(Optional.of(Cidr.parse("10.201.0.0/24")), created.subnet());
        assertEquals(Optional.of(Ipv4Address.parse("10.201.0.1")), created.gateway());
        assertEquals(appnet.id(), created.labels().get(EngineSyncPlan.NETWORK_ID_KEY));
        assertEquals(appnet.id(), created.options().get(EngineSyncPlan.NETWORK_ID_KEY));
        assertEquals("ovsfabric", created.ipamDriver());
        assertEquals(List.of(), sync.syncNetworks());
    }

    @Test
    void aNetworkMadeWithDockerIsRegisteredWithItsPoolId() {
        String poolId = dockerNetworkCreate("web", "10.202.0.0/24");
        assertEquals(Map.of(NID, ""), plugin.networkBindings());
        sync.syncNetworks();
        OverlayNetwork web = fabric.findNetwork("web").orElseThrow();
        assertEquals(poolId, web.poolId());
        assertEquals(Ipv4Address.parse("10.202.0.1"), web.gateway());
        assertEquals("h1", web.labels().get(OverlayNetwork.ORIGIN_HOST_LABEL));
        assertEquals(Map.of(NID, web.id()), plugin.networkBindings());
        assertEquals(List.of(), sync.syncNetworks(), "registered once, not again");
    }

    @Test
    void aDeletedFabricNetworkLeavesTheEngineWhenNoContainerUsesIt() {
        OverlayNetwork appnet = fabric.createNetwork(new NetworkSpec("appnet", Cidr.parse("10.201.0.0/24"), Optional.empty(), Map.of()));
        sync.syncNetworks();
        String id = engine.networks().keySet().iterator().next();
        engine.attach("c1", "web", id, EID, List.of());
        fabric.forceDelete(appnet.id());
        sync.syncNetworks();
        assertTrue(engine.networks().containsKey(id), "in use: kept (the engine refuses), retried next pass");
        engine.addNetwork(FakeContainerEngine.network(id, "appnet", "10.201.0.0/24",
                Map.of(EngineSyncPlan.NETWORK_ID_KEY, appnet.id())));
        sync.syncNetworks();
        assertTrue(engine.networks().isEmpty());
    }

    /** What dockerd does for `docker network rm` of NID (Docker 20.10: the pool first, then the driver). */
    private void dockerNetworkRm(String poolId) {
        plugin.ipam().releasePool(poolId);
        plugin.driver().deleteNetwork(NID);
        engine.removeNetwork(NID);
    }

    private static boolean hasCopy(FakeContainerEngine engine, OverlayNetwork f) {
        return engine.networks().values().stream().anyMatch(n -> n.name().equals(f.name())
                && f.id().equals(n.labels().get(EngineSyncPlan.NETWORK_ID_KEY)));
    }

    @Test
    void dockerNetworkRmOnTheOriginHostDeletesTheFabricNetwork() {
        String poolId = dockerNetworkCreate("web", "10.202.0.0/24");
        sync.syncNetworks();
        String webId = fabric.findNetwork("web").orElseThrow().id();
        dockerNetworkRm(poolId);
        assertEquals(java.util.Set.of(webId), plugin.removedFabricNetworks());
        sync.syncNetworks();
        assertEquals(List.of(), fabric.listNetworks());
        assertTrue(engine.networks().isEmpty(), "not created again: " + engine.networks());
        assertEquals(java.util.Set.of(), plugin.removedFabricNetworks());
    }

    @Test
    void dockerNetworkRmOnTheOriginHostKeepsANetworkOtherHostsUseAndCreatesItAgain() {
        String poolId = dockerNetworkCreate("web", "10.202.0.0/24");
        sync.syncNetworks();
        OverlayNetwork web = fabric.findNetwork("web").orElseThrow();
        fabric.allocateAddress(web.id(), new io.ovsfabric.agent.model.AllocationHandle(HostId.of("h2"), web.id(),
                "abcdef"), Optional.empty());   // a container on h2
        dockerNetworkRm(poolId);
        sync.syncNetworks();
        assertEquals(List.of(web), fabric.listNetworks());
        assertTrue(hasCopy(engine, web), "created here again: " + engine.networks());
        assertEquals(java.util.Set.of(), plugin.removedFabricNetworks());
    }

    @Test
    void dockerNetworkRmOfACopyRemovesOnlyTheCopyWhichComesBack() {
        OverlayNetwork web = fabric.createNetwork(new NetworkSpec("web", Cidr.parse("10.202.0.0/24"), Optional.empty(),
                Map.of(OverlayNetwork.ORIGIN_HOST_LABEL, "h2")));
        String poolId = dockerNetworkCreate("web", "10.202.0.0/24");   // the copy, as the sync made it
        dockerNetworkRm(poolId);
        sync.syncNetworks();
        assertEquals(List.of(web), fabric.listNetworks());
        assertTrue(hasCopy(engine, web), "created again: " + engine.networks());
        assertEquals(java.util.Set.of(), plugin.removedFabricNetworks());
    }

    @Test
    void aNetworkTheControllerRefusesLeavesTheEngine() {
        dockerNetworkCreate("web", "10.202.0.0/25");
        // another host registered an overlapping network first (both passed RequestPool before either registered)
        OverlayNetwork other = fabric.createNetwork(new NetworkSpec("other", Cidr.parse("10.202.0.0/24"),
                Optional.empty(), Map.of(OverlayNetwork.ORIGIN_HOST_LABEL, "h2")));
        sync.syncNetworks();
        assertEquals(List.of(other), fabric.listNetworks());
        assertTrue(engine.networks().values().stream().noneMatch(n -> n.name().equals("web")), engine.networks().toString());
        assertTrue(hasCopy(engine, other), engine.networks().toString());
    }

    @Test
    void containersAreDescribedToTheControllerFromPassesAndEvents() {
        fabric.createNetwork(new NetworkSpec("web", Cidr.parse("10.202.0.0/24"), Optional.empty(), Map.of()));
        String poolId = dockerNetworkCreate("web", "10.202.0.0/24");
        Ipv4Address address = plugin.ipam().requestAddress(new IpamService.AddressRequest(poolId, Optional.empty(), false,
                Optional.of(MacAddress.parse("02:42:0a:ca:00:02")))).address();
        plugin.driver().createEndpoint(new NetworkDriverService.CreateEndpoint(NID, EID, address, 24, Optional.empty()));
        engine.attach("cid1", "web1", NID, EID, List.of("web1", "cid1"));

        assertEquals(1, sync.syncEndpoints());
        assertEquals(0, sync.syncEndpoints(), "already described");
        NetworkEndpoint held = fabric.endpoints().get(0);
        assertEquals("web1", held.containerName());
        assertEquals(List.of("web1", "cid1"), held.aliases());

        sync.start(Duration.ofHours(1));
        await(() -> engine.watchers() == 1);
        engine.attach("cid1", "renamed", NID, EID, List.of("renamed"));
        engine.emit(new EngineEvent(EngineEvent.Kind.CONTAINER_CONNECTED, NID, Optional.of("cid1")));
        await(() -> fabric.endpoints().get(0).containerName().equals("renamed"));
    }

    @Test
    void aPassReportsThePluginsAllocationsDockersEndpointsAndTheBridgePorts() {
        fabric.createNetwork(new NetworkSpec("web", Cidr.parse("10.202.0.0/24"), Optional.empty(), Map.of()));
        String poolId = dockerNetworkCreate("web", "10.202.0.0/24");
        plugin.ipam().requestAddress(new IpamService.AddressRequest(poolId, Optional.empty(), false,
                Optional.of(MacAddress.parse("02:42:0a:ca:00:02"))));
        String fabricId = fabric.findNetwork("web").orElseThrow().id();
        engine.attach("cid1", "web1", NID, EID, List.of("web1"));
        bridgePorts.add(new AttachedPort("ofx-1", fabricId, fabric.endpoints().get(0).endpointId(), EID));
        sync.runOnce();
        HostInventory report = fabric.lastReport(HostId.of("h1")).orElseThrow();
        assertEquals(1, report.plugin().size(), report.toString());
        assertEquals(fabric.endpoints().get(0).endpointId(), report.plugin().get(0).handle().toString());
        assertEquals(fabricId, report.plugin().get(0).handle().networkId());
        assertEquals(fabric.endpoints().get(0).address().toString(), report.plugin().get(0).address());
        HostInventory.DockerEndpoint seen = report.docker().orElseThrow().get(0);
        assertEquals(List.of(fabricId, NID, EID, "cid1"), List.of(seen.networkId(), seen.dockerNetworkId(),
                seen.dockerEndpointId(), seen.containerId()));
        assertEquals(List.copyOf(bridgePorts), report.ports().orElseThrow());
        assertEquals(7, report.topologyRevision());

        ovsDown = true;
        sync.runOnce();
        assertTrue(fabric.lastReport(HostId.of("h1")).orElseThrow().ports().isEmpty(), "OVS unread: no port list at all");
    }

    @Test
    void whenDockersEventStreamComesBackTheDataPlaneIsAskedForAPass() {
        sync.start(Duration.ofHours(1));
        await(() -> engine.watchers() == 1);
        assertEquals(0, reconcileRequests.get(), "the first subscription is not a restart");
        engine.failStreams();   // dockerd restarts: its FORWARD rules are now above ours
        await(() -> engine.watchers() == 1 && reconcileRequests.get() == 1);
    }

    private static void await(BooleanSupplier condition) {
        Poll.until("the condition", Duration.ofSeconds(10), condition);
    }
}
