package io.ovsfabric.agent.docker.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.model.NetworkSpec;
import io.ovsfabric.agent.plan.LocalEndpoint;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole Docker call sequences (network create, docker run, docker rm, network rm) against the plugin on fakes. */
class PluginLifecycleTest {
    private static final String MAC1 = "02:42:0a:c9:00:aa";
    private static final String MAC2 = "02:42:0a:c9:00:bb";

    @Test
    void fabricNetworkContainerLifecycleLeavesNothingBehind() {
        PluginFixture host = new PluginFixture();
        OverlayNetwork appnet = host.fabricNetwork("appnet", "10.201.0.0/24");

        Libnetwork.Net net = host.docker.createNetwork("appnet-h1", "10.201.0.0/24", null, "");
        assertEquals(appnet.poolId(), net.poolId());
        assertEquals("ofx-" + appnet.id(), net.poolId());
        assertEquals("10.201.0.1/24", net.gateway(), "the gateway comes from the pool's data, not an allocation");

        Libnetwork.Ep ep = host.docker.run(net, "c1", MAC1);
        assertEquals("10.201.0.2/24", ep.address());
        NetworkEndpoint held = host.fabric.endpoints().get(0);
        assertEquals("h1", held.host().value());
        assertTrue(held.endpointId().startsWith("h1:" + appnet.id() + ":"), held.endpointId());
        assertEquals(MAC1, held.mac());

        LocalEndpoint link = host.plumbing.links().get("ofxh" + ep.id().substring(0, 11));
        assertEquals("ofxc" + ep.id().substring(0, 11), link.containerInterface());
        // the MTU (1458) and the bridge (br0) are the data plane's: OvsDataPlaneTest.aUserNetworkEndpoint...
        assertEquals(MAC1, link.mac());
        Map<String, String> ids = link.interfaceIds(Map.of());
        assertEquals(appnet.id(), ids.get("ovsfabric-network"));
        assertEquals(held.endpointId(), ids.get("ovsfabric-endpoint"));
        assertEquals(ep.id(), ids.get("ovsfabric-docker-endpoint"));
        assertEquals(net.id(), ids.get("ovsfabric-docker-network"));

        JsonNode info = host.docker.ok("/NetworkDriver.EndpointOperInfo", host.docker.pair(net, ep.id()));
        assertEquals(held.endpointId(), info.get("Value").get("io.ovsfabric.handle").asText());

        host.docker.remove(ep);
        assertEquals(List.of(), host.fabric.endpoints());
        assertEquals(Map.of(), host.plumbing.links());
        host.docker.removeNetwork(net);
        PluginState state = host.runtime.state();
        assertTrue(state.pools().isEmpty() && state.networks().isEmpty() && state.allocations().isEmpty()
                && state.endpoints().isEmpty(), state.toString());
    }

    @Test
    void joinAnswersTheInterfaceAndTheFabricGateway() {
        PluginFixture host = new PluginFixture();
        host.fabricNetwork("appnet", "10.201.0.0/24");
        Libnetwork.Net net = host.docker.createNetwork("n", "10.201.0.0/24", null, "");
        String address = host.docker.requestAddress(net, MAC1).get("Address").asText();
        String ep = Libnetwork.id("e");
        host.docker.ok("/NetworkDriver.CreateEndpoint", Libnetwork.createEndpointBody(net, ep, address, MAC1));
        JsonNode joined = host.docker.ok("/NetworkDriver.Join", "{\"NetworkID\":\"" + net.id() + "\",\"EndpointID\":\""
                + ep + "\",\"SandboxKey\":\"/var/run/docker/netns/abc\",\"Options\":{}}");
        assertEquals("ofxc" + ep.substring(0, 11), joined.get("InterfaceName").get("SrcName").asText());
        assertEquals("eth", joined.get("InterfaceName").get("DstPrefix").asText());
        assertEquals("10.201.0.1", joined.get("Gateway").asText());
        assertTrue(joined.get("StaticRoutes").isArray());
    }

    @Test
    void poolIdsAreTheSameOnEveryHost() {
        PluginFixture h1 = new PluginFixture();
        h1.fabricNetwork("appnet", "10.201.0.0/24");
        PluginFixture h2 = new PluginFixture();
        OverlayNetwork appnet = h2.fabricNetwork("appnet", "10.201.0.0/24");   // the same definition on h2's fake
        assertEquals(h1.docker.createNetwork("a1", "10.201.0.0/24", null, "").poolId(),
                h2.docker.createNetwork("a2", "10.201.0.0/24", null, "").poolId());
        assertEquals("ofx-" + appnet.id(), h1.runtime.state().pools().values().iterator().next().poolId());
    }

    @Test
    void aNetworkCreatedWithDockerOnOneHostKeepsItsPoolIdEverywhere() {
        PluginFixture h1 = new PluginFixture();
        Libnetwork.Net local = h1.docker.createNetwork("web-h1", "10.202.0.0/24", null, "");
        assertEquals("10.202.0.1/24", local.gateway(), "the gateway was requested from the IPAM");
        String refused = h1.docker.refused("/IpamDriver.RequestAddress", "{\"PoolID\":\"" + local.poolId()
                + "\",\"Address\":\"\",\"Options\":{\"com.docker.network.endpoint.macaddress\":\"" + MAC1 + "\"}}");
        assertTrue(refused.contains("not registered with the controller yet"), refused);
        assertEquals(List.of(), h1.fabric.endpoints());

        // What the engine sync does once it has seen the network in the engine:
        OverlayNetwork registered = h1.fabric.createNetwork(new NetworkSpec("web", Cidr.parse("10.202.0.0/24"),
                Optional.of(Ipv4Address.parse("10.202.0.1")), Map.of(OverlayNetwork.POOL_ID_LABEL, local.poolId())));
        h1.runtime.bindPool(local.poolId(), registered);
        assertEquals(local.poolId(), registered.poolId());
        assertEquals(Map.of(local.id(), registered.id()), h1.runtime.networkBindings());
        assertEquals("10.202.0.2/24", h1.docker.run(local, "c1", MAC1).address());

        // Another host learns the network from the controller and computes the same pool id.
        PluginFixture h2 = new PluginFixture();
        h2.fabric.createNetwork(new NetworkSpec("web", Cidr.parse("10.202.0.0/24"),
                Optional.of(Ipv4Address.parse("10.202.0.1")), registered.labels()));
        assertEquals(local.poolId(), h2.docker.createNetwork("web-h2", "10.202.0.0/24", "10.202.0.1", "").poolId());
    }

    @Test
    void repeatedCallsAreIdempotent() {
        PluginFixture host = new PluginFixture();
        host.fabricNetwork("appnet", "10.201.0.0/24");
        Libnetwork.Net net = host.docker.createNetwork("n", "10.201.0.0/24", null, "");
        JsonNode again = host.docker.ok("/IpamDriver.RequestPool",
                "{\"AddressSpace\":\"ovsfabric\",\"Pool\":\"10.201.0.0/24\",\"Options\":{},\"V6\":false}");
        assertEquals(net.poolId(), again.get("PoolID").asText());
        host.docker.ok("/NetworkDriver.CreateNetwork", "{\"NetworkID\":\"" + net.id() + "\",\"IPv4Data\":[{\"AddressSpace\":"
                + "\"ovsfabric\",\"Pool\":\"10.201.0.0/24\",\"Gateway\":\"10.201.0.1/24\"}]}");

        String address = host.docker.requestAddress(net, MAC1).get("Address").asText();
        String ep = Libnetwork.id("e");
        JsonNode first = host.docker.ok("/NetworkDriver.CreateEndpoint", Libnetwork.createEndpointBody(net, ep, address, ""));
        JsonNode second = host.docker.ok("/NetworkDriver.CreateEndpoint", Libnetwork.createEndpointBody(net, ep, address, ""));
        assertEquals(MAC1, first.get("Interface").get("MacAddress").asText(), "the MAC libnetwork gave the IPAM");
        assertEquals(first, second);
        host.docker.ok("/NetworkDriver.Join", "{\"NetworkID\":\"" + net.id() + "\",\"EndpointID\":\"" + ep
                + "\",\"SandboxKey\":\"/var/run/docker/netns/s1\"}");
        host.docker.ok("/NetworkDriver.Join", "{\"NetworkID\":\"" + net.id() + "\",\"EndpointID\":\"" + ep
                + "\",\"SandboxKey\":\"/var/run/docker/netns/s1\"}");
        assertEquals(1, host.plumbing.links().size());
        assertEquals(1, host.fabric.endpoints().size());

        // Two RequestPool calls: the pool stays until both are released.
        host.docker.remove(new Libnetwork.Ep(net, ep, address, MAC1));
        host.docker.removeNetwork(net);
        assertEquals(1, host.runtime.state().pools().size());
        host.docker.ok("/IpamDriver.ReleasePool", "{\"PoolID\":\"" + net.poolId() + "\"}");
        assertTrue(host.runtime.state().pools().isEmpty());
    }

    @Test
    void addressesAreDistinctAndMacsAreKept() {
        PluginFixture host = new PluginFixture();
        host.fabricNetwork("appnet", "10.201.0.0/24");
        Libnetwork.Net net = host.docker.createNetwork("n", "10.201.0.0/24", null, "");
        Libnetwork.Ep a = host.docker.run(net, "a", MAC1);
        Libnetwork.Ep b = host.docker.run(net, "b", MAC2);
        assertNotEquals(a.address(), b.address());
        assertEquals(2, host.fabric.endpoints().size());
        String noMac = host.docker.requestAddress(net, "").get("Address").asText();
        assertFalse(noMac.equals(a.address()) || noMac.equals(b.address()));
    }

    @Test
    void containersStartedInParallelNeverShareAnAddress() throws Exception {
        PluginFixture host = new PluginFixture();
        host.fabricNetwork("appnet", "10.201.0.0/24");
        Libnetwork.Net net = host.docker.createNetwork("n", "10.201.0.0/24", null, "");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Libnetwork.Ep>> started = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String seed = "c" + i;
                String mac = String.format("02:42:0a:c9:01:%02x", i);
                started.add(pool.submit(() -> host.docker.run(net, seed, mac)));
            }
            Set<String> addresses = new HashSet<>();
            for (Future<Libnetwork.Ep> f : started) {
                addresses.add(f.get(30, TimeUnit.SECONDS).address());
            }
            assertEquals(20, addresses.size());
            assertEquals(20, host.fabric.endpoints().size());
            assertEquals(20, host.plumbing.links().size());
            assertEquals(20, host.runtime.state().endpoints().size());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anAgentRestartLosesNothingAndDockerCallsKeepWorking(@TempDir Path stateDir) {
        PluginFixture host = new PluginFixture(new FilePluginStateStore(stateDir));
        host.fabricNetwork("appnet", "10.201.0.0/24");
        Libnetwork.Net net = host.docker.createNetwork("n", "10.201.0.0/24", null, "");
        Libnetwork.Ep ep = host.docker.run(net, "c1", MAC1);
        PluginState before = host.runtime.state();

        host.restart();

        assertEquals(before, host.runtime.state());
        assertEquals(0, host.runtime.recover());
        host.docker.ok("/NetworkDriver.EndpointOperInfo", host.docker.pair(net, ep.id()));
        host.docker.remove(ep);
        host.docker.removeNetworkDriverFirst(net);
        assertEquals(List.of(), host.fabric.endpoints());
        host.restart();
        // the removal stays noted (on disk too) until the engine sync has followed it up
        assertEquals(PluginState.empty().withRemovedFabricNetwork(net.poolId().substring("ofx-".length())),
                host.runtime.state());
        host.runtime.forgetRemoved(net.poolId().substring("ofx-".length()));
        assertEquals(PluginState.empty(), host.runtime.state());
    }

    @Test
    void aStateFileFromBeforeNetworksNamedTheirFabricNetworkIsCompletedAtStart() {
        PluginFixture host = new PluginFixture();
        host.fabricNetwork("appnet", "10.201.0.0/24");
        Libnetwork.Net net = host.docker.createNetwork("appnet", "10.201.0.0/24", null, "");
        PluginState.Network n = host.runtime.state().networks().get(net.id());
        assertEquals("fn0001", n.fabricNetworkId());
        host.store.save(host.runtime.state().withNetwork(new PluginState.Network(n.networkId(), n.poolId(), n.subnet(),
                n.gateway())));   // as an older agent wrote it
        host.restart();
        host.runtime.recover();
        assertEquals("fn0001", host.runtime.state().networks().get(net.id()).fabricNetworkId());
    }

    @Test
    void aSecondNameForAFabricNetworksSubnetIsRefusedAndLeavesNothing() {
        PluginFixture host = new PluginFixture();
        host.fabricNetwork("appnet", "10.201.0.0/24");
        Libnetwork.Net copy = host.docker.createNetwork("appnet", "10.201.0.0/24", null, "");   // the sync's copy
        PluginState before = host.runtime.state();
        // what dockerd sends for `docker network create ... --subnet 10.201.0.0/24 alias` (no network-id option)
        String poolId = host.docker.ok("/IpamDriver.RequestPool", "{\"AddressSpace\":\"ovsfabric\",\"Pool\":"
                + "\"10.201.0.0/24\",\"SubPool\":\"\",\"Options\":{},\"V6\":false}").get("PoolID").asText();
        assertEquals(copy.poolId(), poolId);
        String refused = host.docker.refused("/NetworkDriver.CreateNetwork", "{\"NetworkID\":\"" + "b".repeat(64)
                + "\",\"Options\":{\"com.docker.network.generic\":{}},\"IPv4Data\":[{\"AddressSpace\":\"ovsfabric\","
                + "\"Pool\":\"10.201.0.0/24\",\"Gateway\":\"10.201.0.1/24\"}],\"IPv6Data\":[]}");
        assertTrue(refused.contains("is fabric network appnet already") && refused.contains("--network appnet"), refused);
        host.docker.ok("/IpamDriver.ReleasePool", "{\"PoolID\":\"" + poolId + "\"}");   // libnetwork's rollback
        assertEquals(before, host.runtime.state());
    }

    @Test
    void aSecondNetworkOnAnUnregisteredLocalSubnetIsRefused() {
        PluginFixture host = new PluginFixture();
        Libnetwork.Net first = host.docker.createNetwork("web", "10.202.0.0/24", null, "");
        PluginState before = host.runtime.state();
        String poolId = host.docker.ok("/IpamDriver.RequestPool", "{\"AddressSpace\":\"ovsfabric\",\"Pool\":"
                + "\"10.202.0.0/24\",\"SubPool\":\"\",\"Options\":{},\"V6\":false}").get("PoolID").asText();
        String refused = host.docker.refused("/NetworkDriver.CreateNetwork", "{\"NetworkID\":\"" + "c".repeat(64)
                + "\",\"Options\":{},\"IPv4Data\":[{\"AddressSpace\":\"ovsfabric\","
                + "\"Pool\":\"10.202.0.0/24\",\"Gateway\":\"" + first.gateway() + "\"}],\"IPv6Data\":[]}");
        assertTrue(refused.contains("is the subnet of docker network " + first.id().substring(0, 12)), refused);
        host.docker.ok("/IpamDriver.ReleasePool", "{\"PoolID\":\"" + poolId + "\"}");
        assertEquals(before, host.runtime.state());
    }

    @Test
    void describeContainerTellsTheControllerOnce() {
        PluginFixture host = new PluginFixture();
        host.fabricNetwork("appnet", "10.201.0.0/24");
        Libnetwork.Net net = host.docker.createNetwork("n", "10.201.0.0/24", null, "");
        Libnetwork.Ep ep = host.docker.run(net, "c1", MAC1);
        int updates = host.fabric.calls("updateEndpoint");
        assertTrue(host.runtime.describeContainer(ep.id(), "cid1", "web", List.of("web", "cid1")));
        assertTrue(host.runtime.describeContainer(ep.id(), "cid1", "web", List.of("web", "cid1")));
        assertEquals(updates + 1, host.fabric.calls("updateEndpoint"));
        NetworkEndpoint held = host.fabric.endpoints().get(0);
        assertEquals("web", held.containerName());
        assertEquals(List.of("web", "cid1"), held.aliases());
        assertFalse(host.runtime.describeContainer(Libnetwork.id("other"), "cid2", "db", List.of()));
    }
}
