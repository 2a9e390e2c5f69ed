package io.ovsfabric.agent.docker.engine;

import io.ovsfabric.agent.docker.MacAddress;
import io.ovsfabric.agent.docker.fabric.FabricEndpoint;
import io.ovsfabric.agent.docker.fabric.FabricNetwork;
import io.ovsfabric.agent.docker.fabric.FakeFabricNetworks;
import io.ovsfabric.agent.docker.fabric.NetworkSpec;
import io.ovsfabric.agent.docker.link.FakeEndpointPlumbing;
import io.ovsfabric.agent.docker.link.FakePortForwarding;
import io.ovsfabric.agent.docker.plugin.FakePluginStateStore;
import io.ovsfabric.agent.docker.plugin.PluginRuntime;
import io.ovsfabric.agent.docker.plugin.PluginSettings;
import io.ovsfabric.agent.docker.protocol.IpamService;
import io.ovsfabric.agent.docker.protocol.NetworkDriverService;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
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
    private final PluginRuntime plugin = PluginRuntime.open(new FakePluginStateStore(), fabric, new FakeEndpointPlumbing(),
                new FakePortForwarding(), new PluginSettings(HostId.of("h1"), "br0", 1458, Duration.ofMinutes(2)), Clock.systemUTC());
    private final EngineSync sync = new EngineSync(engine, fabric, plugin, HostId.of("h1"));

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
        plugin.driver().createNetwork(new NetworkDriverService.CreateNetwork(NID, "ovsfabric", cidr, gw, Map.of()));
        engine.addNetwork(FakeContainerEngine.network(NID, name, subnet, Map.of()));
        return pool.poolId();
    }

    @Test
    void fabricNetworksAppearInTheEngineOnce() {
        FabricNetwork appnet = fabric.createNetwork(new NetworkSpec("appnet", Cidr.parse("10.201.0.0/24"), Optional.empty(), Map.of()));
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
        FabricNetwork web = fabric.findNetwork("web").orElseThrow();
        assertEquals(poolId, web.poolId());
        assertEquals(Ipv4Address.parse("10.202.0.1"), web.gateway());
        assertEquals("h1", web.labels().get(FabricNetwork.ORIGIN_HOST_LABEL));
        assertEquals(Map.of(NID, web.id()), plugin.networkBindings());
        assertEquals(List.of(), sync.syncNetworks(), "registered once, not again");
    }

    @Test
    void aDeletedFabricNetworkLeavesTheEngineWhenNoContainerUsesIt() {
        FabricNetwork appnet = fabric.createNetwork(new NetworkSpec("appnet", Cidr.parse("10.201.0.0/24"), Optional.empty(), Map.of()));
        sync.syncNetworks();
        String id = engine.networks().keySet().iterator().next();
        engine.attach("c1", "web", id, EID, List.of());
        fabric.deleteNetwork(appnet.id());
        sync.syncNetworks();
        assertTrue(engine.networks().containsKey(id), "in use: kept (the engine refuses), retried next pass");
        engine.addNetwork(FakeContainerEngine.network(id, "appnet", "10.201.0.0/24",
                Map.of(EngineSyncPlan.NETWORK_ID_KEY, appnet.id())));
        sync.syncNetworks();
        assertTrue(engine.networks().isEmpty());
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
        FabricEndpoint held = fabric.endpoints().get(0);
        assertEquals("web1", held.containerName());
        assertEquals(List.of("web1", "cid1"), held.aliases());

        sync.start(Duration.ofHours(1));
        await(() -> engine.watchers() == 1);
        engine.attach("cid1", "renamed", NID, EID, List.of("renamed"));
        engine.emit(new EngineEvent(EngineEvent.Kind.CONTAINER_CONNECTED, NID, Optional.of("cid1")));
        await(() -> fabric.endpoints().get(0).containerName().equals("renamed"));
    }

    @Test
    void aPassReportsEveryAllocationThisHostHolds() {
        fabric.createNetwork(new NetworkSpec("web", Cidr.parse("10.202.0.0/24"), Optional.empty(), Map.of()));
        String poolId = dockerNetworkCreate("web", "10.202.0.0/24");
        plugin.ipam().requestAddress(new IpamService.AddressRequest(poolId, Optional.empty(), false,
                Optional.of(MacAddress.parse("02:42:0a:ca:00:02"))));
        sync.runOnce();
        List<io.ovsfabric.agent.docker.fabric.AllocationHandle> report = fabric.lastReport(HostId.of("h1")).orElseThrow();
        assertEquals(1, report.size(), report.toString());
        assertEquals(fabric.endpoints().get(0).handle(), report.get(0).toString());
        assertEquals(fabric.findNetwork("web").orElseThrow().id(), report.get(0).networkId());
    }

    private static void await(BooleanSupplier condition) {
        Instant deadline = Instant.now().plusSeconds(10);
        while (!condition.getAsBoolean()) {
            assertTrue(Instant.now().isBefore(deadline), "condition not met within 10 s");
            try {
                Thread.sleep(10);   // polling interval
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
