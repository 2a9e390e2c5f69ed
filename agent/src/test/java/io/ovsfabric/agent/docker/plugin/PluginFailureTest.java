package io.ovsfabric.agent.docker.plugin;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.plan.LocalEndpoint;
import io.ovsfabric.agent.testing.FakePluginStateStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Refused and failing calls: unknown ids and out-of-order calls change nothing; calls that fail half-way undo
 * their side effects and no address stays held once Docker has cleaned up (or, if dockerd died, once the agent's
 * housekeeping ran).
 */
class PluginFailureTest {
    private static final String MAC = "02:42:0a:c9:00:aa";
    private PluginFixture host;
    private Libnetwork docker;
    private Libnetwork.Net net;

    @BeforeEach
    void setUp() {
        host = new PluginFixture();
        docker = host.docker;
        host.fabricNetwork("appnet", "10.201.0.0/24");
        net = docker.createNetwork("appnet", "10.201.0.0/24", null, "");
    }

    /** Snapshot of everything a refused call must leave alone. */
    private record World(PluginState state, List<NetworkEndpoint> fabric, Map<String, LocalEndpoint> links) {}

    private World world() {
        return new World(host.runtime.state(), host.fabric.endpoints(), host.plumbing.links());
    }

    private void refusedWithoutChange(String path, String body, String expected) {
        World before = world();
        String message = docker.refused(path, body);
        assertTrue(message.contains(expected), path + ": '" + message + "' should contain '" + expected + "'");
        assertEquals(before, world(), path + " changed state while refusing");
    }

    @Test
    void unknownIdsAreRefusedAndChangeNothing() {
        Libnetwork.Ep ep = docker.run(net, "c1", MAC);
        String otherNet = Libnetwork.id("no-such-network");
        String otherEp = Libnetwork.id("no-such-endpoint");
        String pairUnknownNet = "{\"NetworkID\":\"" + otherNet + "\",\"EndpointID\":\"" + ep.id() + "\"}";
        String pairUnknownEp = "{\"NetworkID\":\"" + net.id() + "\",\"EndpointID\":\"" + otherEp + "\"}";
        for (String call : List.of("Leave", "DeleteEndpoint", "EndpointOperInfo", "ProgramExternalConnectivity",
                "RevokeExternalConnectivity")) {
            refusedWithoutChange("/NetworkDriver." + call, pairUnknownNet, "unknown network");
            refusedWithoutChange("/NetworkDriver." + call, pairUnknownEp, "unknown endpoint");
        }
        refusedWithoutChange("/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"" + otherNet + "\"}", "unknown network");
        refusedWithoutChange("/NetworkDriver.Join", "{\"NetworkID\":\"" + net.id() + "\",\"EndpointID\":\"" + otherEp
                + "\",\"SandboxKey\":\"/var/run/docker/netns/x\"}", "CreateEndpoint comes first");
        refusedWithoutChange("/NetworkDriver.CreateEndpoint", Libnetwork.createEndpointBody(
                new Libnetwork.Net(otherNet, net.poolId(), net.subnet(), net.gateway()), otherEp, "10.201.0.9/24", MAC),
                "unknown network");
        refusedWithoutChange("/IpamDriver.ReleasePool", "{\"PoolID\":\"ofx-nope\"}", "unknown pool");
        refusedWithoutChange("/IpamDriver.RequestAddress", "{\"PoolID\":\"ofx-nope\",\"Address\":\"\"}", "unknown pool");
        refusedWithoutChange("/IpamDriver.ReleaseAddress", "{\"PoolID\":\"" + net.poolId() + "\",\"Address\":\"10.201.0.77\"}",
                "not held by this host");
    }

    @Test
    void outOfOrderCallsAreRefusedAndChangeNothing() {
        String address = docker.requestAddress(net, MAC).get("Address").asText();
        String ep = Libnetwork.id("e1");
        refusedWithoutChange("/NetworkDriver.Join", "{\"NetworkID\":\"" + net.id() + "\",\"EndpointID\":\"" + ep
                + "\",\"SandboxKey\":\"/var/run/docker/netns/s\"}", "CreateEndpoint comes first");
        docker.ok("/NetworkDriver.CreateEndpoint", Libnetwork.createEndpointBody(net, ep, address, MAC));
        refusedWithoutChange("/NetworkDriver.Leave", docker.pair(net, ep), "Join before Leave");
        refusedWithoutChange("/IpamDriver.ReleaseAddress", "{\"PoolID\":\"" + net.poolId() + "\",\"Address\":\""
                + address.substring(0, address.indexOf('/')) + "\"}", "still used by endpoint");
        refusedWithoutChange("/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"" + net.id() + "\"}", "deletes endpoints first");
        docker.ok("/NetworkDriver.Join", "{\"NetworkID\":\"" + net.id() + "\",\"EndpointID\":\"" + ep
                + "\",\"SandboxKey\":\"/var/run/docker/netns/s\"}");
        refusedWithoutChange("/NetworkDriver.Join", "{\"NetworkID\":\"" + net.id() + "\",\"EndpointID\":\"" + ep
                + "\",\"SandboxKey\":\"/var/run/docker/netns/other\"}", "Docker calls Leave first");
        refusedWithoutChange("/NetworkDriver.CreateEndpoint", Libnetwork.createEndpointBody(net, Libnetwork.id("e2"),
                address, MAC), "is used by endpoint");
        refusedWithoutChange("/NetworkDriver.CreateEndpoint", Libnetwork.createEndpointBody(net, Libnetwork.id("e3"),
                "10.201.0.200/24", MAC), "was not handed out");
    }

    @Test
    void malformedAndUnsupportedRequestsAreRefused() {
        refusedWithoutChange("/IpamDriver.RequestPool", "{\"AddressSpace\":\"ovsfabric\",\"Pool\":\"10.9.0.0/16\",\"V6\":true}", "IPv6");
        refusedWithoutChange("/IpamDriver.RequestPool", "{\"AddressSpace\":\"ovsfabric\",\"Pool\":\"10.9.0.0/16\","
                + "\"SubPool\":\"10.9.1.0/24\"}", "--ip-range");
        refusedWithoutChange("/IpamDriver.RequestPool", "{\"AddressSpace\":\"ovsfabric\"}", "no subnet");
        refusedWithoutChange("/IpamDriver.RequestPool", "{\"AddressSpace\":\"other\",\"Pool\":\"10.9.0.0/16\"}", "unknown address space");
        refusedWithoutChange("/IpamDriver.RequestPool", "{\"AddressSpace\":\"ovsfabric\",\"Pool\":\"10.201.0.0/16\"}", "overlaps fabric network appnet");
        refusedWithoutChange("/IpamDriver.RequestPool", "{\"AddressSpace\":\"ovsfabric\",\"Pool\":\"10.9.0.1/16\"}", "host bits set");
        refusedWithoutChange("/IpamDriver.RequestAddress", "{\"PoolID\":\"" + net.poolId() + "\",\"Address\":\"10.99.0.5\"}", "outside pool");
        refusedWithoutChange("/IpamDriver.RequestAddress", "{\"PoolID\":\"" + net.poolId() + "\",\"Address\":\"10.201.0.9\","
                + "\"Options\":{\"RequestAddressType\":\"com.docker.network.gateway\"}}", "drop --gateway");
        refusedWithoutChange("/IpamDriver.RequestAddress", "{\"PoolID\":\"" + net.poolId() + "\",\"Address\":\"10.201.0.1\"}", "is the gateway");
        refusedWithoutChange("/NetworkDriver.CreateNetwork", "{\"NetworkID\":\"" + Libnetwork.id("x") + "\",\"IPv4Data\":[{"
                + "\"AddressSpace\":\"LocalDefault\",\"Pool\":\"172.18.0.0/16\",\"Gateway\":\"172.18.0.1/16\"}]}", "--ipam-driver ovsfabric");
        refusedWithoutChange("/NetworkDriver.CreateNetwork", "{\"NetworkID\":\"" + Libnetwork.id("x") + "\",\"IPv4Data\":[{"
                + "\"AddressSpace\":\"ovsfabric\",\"Pool\":\"10.201.0.0/24\",\"Gateway\":\"10.201.0.1/24\"}],"
                + "\"Options\":{\"com.docker.network.generic\":{\"io.ovsfabric.network-id\":\"other\"}}}", "is fabric network");
    }

    @Test
    void joinFailingHalfWayLeavesNoLinkAndDockersCleanupReleasesTheAddress() {
        String address = docker.requestAddress(net, MAC).get("Address").asText();
        String ep = Libnetwork.id("e1");
        docker.ok("/NetworkDriver.CreateEndpoint", Libnetwork.createEndpointBody(net, ep, address, MAC));
        host.plumbing.failNextPass();
        String message = docker.refused("/NetworkDriver.Join", "{\"NetworkID\":\"" + net.id() + "\",\"EndpointID\":\"" + ep
                + "\",\"SandboxKey\":\"/var/run/docker/netns/s\"}");
        assertTrue(message.contains("injected failure"), message);
        assertEquals(Map.of(), host.plumbing.links());
        // libnetwork's rollback for a failed join: delete the endpoint, release the address.
        docker.ok("/NetworkDriver.DeleteEndpoint", docker.pair(net, ep));
        docker.ok("/IpamDriver.ReleaseAddress", "{\"PoolID\":\"" + net.poolId() + "\",\"Address\":\""
                + address.substring(0, address.indexOf('/')) + "\"}");
        assertEquals(List.of(), host.fabric.endpoints());
        assertTrue(host.runtime.state().allocations().isEmpty());
    }

    @Test
    void joinWhoseStateCannotBeSavedRemovesTheLinkItMade() {
        String address = docker.requestAddress(net, MAC).get("Address").asText();
        String ep = Libnetwork.id("e1");
        docker.ok("/NetworkDriver.CreateEndpoint", Libnetwork.createEndpointBody(net, ep, address, MAC));
        ((FakePluginStateStore) host.store).failSave(1);
        docker.refused("/NetworkDriver.Join", "{\"NetworkID\":\"" + net.id() + "\",\"EndpointID\":\"" + ep
                + "\",\"SandboxKey\":\"/var/run/docker/netns/s\"}");
        assertEquals(Map.of(), host.plumbing.links());
        assertTrue(!host.runtime.state().endpoints().get(ep).joined());
    }

    @Test
    void createEndpointFailingAtTheControllerKeepsNoEndpointAndTheAddressIsReleased() {
        String address = docker.requestAddress(net, MAC).get("Address").asText();
        String ep = Libnetwork.id("e1");
        host.fabric.failNext("updateEndpoint", AgentException.Code.UNAVAILABLE);
        String message = docker.refused("/NetworkDriver.CreateEndpoint", Libnetwork.createEndpointBody(net, ep, address, MAC));
        assertTrue(message.contains("injected failure"), message);
        assertTrue(host.runtime.state().endpoints().isEmpty());
        docker.ok("/IpamDriver.ReleaseAddress", "{\"PoolID\":\"" + net.poolId() + "\",\"Address\":\""
                + address.substring(0, address.indexOf('/')) + "\"}");
        assertEquals(List.of(), host.fabric.endpoints());
    }

    @Test
    void anAllocationDockerNeverHearsAboutIsGivenBack() {
        host.fabric.failNext("allocateAddress", AgentException.Code.UNAVAILABLE);
        assertTrue(docker.refused("/IpamDriver.RequestAddress", "{\"PoolID\":\"" + net.poolId() + "\",\"Address\":\"\","
                + "\"Options\":{\"com.docker.network.endpoint.macaddress\":\"" + MAC + "\"}}").contains("injected failure of allocateAddress"));
        // the controller did not answer: Docker hears at once, the intent is given back in the background
        io.ovsfabric.common.testing.Poll.until(java.time.Duration.ofSeconds(5),
                () -> host.runtime.state().allocations().isEmpty(), () -> "intent left: " + host.runtime.state().allocations());

        // The controller allocated but the agent could not record it: released at once, Docker gets an error.
        ((FakePluginStateStore) host.store).failSave(2);
        docker.refused("/IpamDriver.RequestAddress", "{\"PoolID\":\"" + net.poolId() + "\",\"Address\":\"\","
                + "\"Options\":{\"com.docker.network.endpoint.macaddress\":\"" + MAC + "\"}}");
        assertEquals(List.of(), host.fabric.endpoints());
        assertTrue(host.runtime.state().allocations().isEmpty());
    }

    @Test
    void anAllocationWhoseAnswerWasLostIsReleasedOnceTheControllerAnswersAgain() {
        // etcd applied the allocation after the agent had given up on it (a leader that had lost its quorum),
        // and the first release, at once, found the controller still unavailable: it is retried, not left for a restart
        host.fabric.loseNextAllocationAnswer();
        host.fabric.failNext("releaseAddress", AgentException.Code.UNAVAILABLE);
        assertTrue(docker.refused("/IpamDriver.RequestAddress", "{\"PoolID\":\"" + net.poolId() + "\",\"Address\":\"\","
                + "\"Options\":{\"com.docker.network.endpoint.macaddress\":\"" + MAC + "\"}}").contains("answer lost"));
        io.ovsfabric.common.testing.Poll.until(java.time.Duration.ofSeconds(10),
                () -> host.fabric.endpoints().isEmpty() && host.runtime.state().allocations().isEmpty(),
                () -> "held: " + host.fabric.endpoints() + ", intent left: " + host.runtime.state().allocations());
        assertEquals(2, host.fabric.calls("releaseAddress"), "one failed release, then one that took it back");
    }

    @Test
    void anIntentLeftByACrashIsReleasedAtTheNextStart() {
        // The controller allocates, then the agent can neither record the address nor reach the controller again.
        ((FakePluginStateStore) host.store).failSave(2);
        host.fabric.failNext("releaseAddress", AgentException.Code.UNAVAILABLE);
        docker.refused("/IpamDriver.RequestAddress", "{\"PoolID\":\"" + net.poolId() + "\",\"Address\":\"\","
                + "\"Options\":{\"com.docker.network.endpoint.macaddress\":\"" + MAC + "\"}}");
        assertEquals(1, host.fabric.endpoints().size());
        assertTrue(host.runtime.state().allocations().values().iterator().next().intent());

        host.restart();
        assertEquals(1, host.runtime.recover());
        assertEquals(List.of(), host.fabric.endpoints());
        assertTrue(host.runtime.state().allocations().isEmpty());
    }

    @Test
    void addressesDockerAbandonsAreReleasedAfterTheGracePeriod() {
        docker.requestAddress(net, MAC);                         // dockerd died before CreateEndpoint
        Libnetwork.Ep deleted = docker.run(net, "c2", "02:42:0a:c9:00:bb");
        docker.ok("/NetworkDriver.Leave", docker.pair(net, deleted.id()));
        docker.ok("/NetworkDriver.DeleteEndpoint", docker.pair(net, deleted.id()));   // ... or before ReleaseAddress
        docker.requestAddress(net, "");                          // an --aux-address reservation: Docker's to release
        Libnetwork.Ep live = docker.run(net, "c3", "02:42:0a:c9:00:cc");
        assertEquals(4, host.fabric.endpoints().size());

        host.clock.advance(Duration.ofMinutes(1));
        assertEquals(0, host.runtime.releaseAbandoned());
        host.clock.advance(Duration.ofMinutes(1));
        assertEquals(2, host.runtime.releaseAbandoned());
        assertEquals(2, host.fabric.endpoints().size());
        assertTrue(host.fabric.endpoints().stream().anyMatch(e -> live.address().startsWith(e.address() + "/")));
    }

    @Test
    void deleteEndpointWithoutLeaveRemovesTheLink() {
        Libnetwork.Ep ep = docker.run(net, "c1", MAC);
        assertEquals(1, host.plumbing.links().size());
        docker.ok("/NetworkDriver.DeleteEndpoint", docker.pair(net, ep.id()));   // force-delete of a dead sandbox
        assertEquals(Map.of(), host.plumbing.links());
        docker.releaseAddress(net, ep.address());
        assertEquals(List.of(), host.fabric.endpoints());
    }

    @Test
    void leaveThatCannotRemoveTheLinkStaysJoinedAndCanBeRetried() {
        Libnetwork.Ep ep = docker.run(net, "c1", MAC);
        host.plumbing.failNextPass();
        docker.refused("/NetworkDriver.Leave", docker.pair(net, ep.id()));
        assertTrue(host.runtime.state().endpoints().get(ep.id()).joined());
        docker.ok("/NetworkDriver.Leave", docker.pair(net, ep.id()));
        assertEquals(Map.of(), host.plumbing.links());
    }

    @Test
    void anEndpointDockerNoLongerShowsIsDeletedAfterTheGraceAndItsAddressThenReleased() {
        Libnetwork.Ep kept = docker.run(net, "c1", MAC);
        Libnetwork.Ep lost = docker.run(net, "c2", "02:42:0a:c9:00:dd");
        assertEquals(2, host.plumbing.links().size());
        // Docker deleted c2's endpoint while the agent was away: its listing shows only c1 from now on.
        assertEquals(0, host.runtime.deleteVanished(java.util.Set.of(kept.id())));
        host.clock.advance(Duration.ofMinutes(1));
        assertEquals(0, host.runtime.deleteVanished(java.util.Set.of(kept.id())), "still within the grace");
        host.clock.advance(Duration.ofMinutes(1));
        assertEquals(1, host.runtime.deleteVanished(java.util.Set.of(kept.id())));
        assertEquals(java.util.Set.of(kept.id()), host.runtime.state().endpoints().keySet());
        assertEquals(1, host.plumbing.links().size());
        host.clock.advance(Duration.ofMinutes(2));
        assertEquals(1, host.runtime.releaseAbandoned());
        assertEquals(1, host.fabric.endpoints().size());
        assertTrue(kept.address().startsWith(host.fabric.endpoints().get(0).address() + "/"));
    }

    @Test
    void anEndpointThatReappearsInDockersListingIsKept() {
        Libnetwork.Ep ep = docker.run(net, "c1", MAC);
        assertEquals(0, host.runtime.deleteVanished(java.util.Set.of()));
        host.clock.advance(Duration.ofMinutes(1));
        assertEquals(0, host.runtime.deleteVanished(java.util.Set.of(ep.id())));
        host.clock.advance(Duration.ofMinutes(2));
        assertEquals(0, host.runtime.deleteVanished(java.util.Set.of()), "missing again: the grace starts over");
        assertEquals(1, host.runtime.state().endpoints().size());
    }
}
