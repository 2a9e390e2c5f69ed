package io.ovsfabric.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.model.PeerHost;
import io.ovsfabric.agent.model.Topology;
import io.ovsfabric.common.Cidr;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class FlowPlannerTest {
    private static final PlanSettings NETDEV = new PlanSettings(DeviceNames.defaults(), DatapathMode.NETDEV, 7);

    private static List<Flow> br0(Topology topology) {
        return FlowPlanner.flows(topology, NETDEV).stream().filter(f -> f.bridge().equals("br0")).toList();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 50})
    void onePairOfFlowsPerPeerAndAFixedFrame(int peers) {
        Topology topology = Topologies.of(1, peers + 1);
        List<Flow> flows = br0(topology);
        assertEquals(12 + 3 * peers, flows.size());
        assertEquals(flows.size(), flows.stream().map(Flow::key).collect(Collectors.toSet()).size(), "keys are unique");
        for (PeerHost peer : topology.peers()) {
            List<Flow> toPeer = flows.stream().filter(f -> f.actions().contains(new FlowAction.SetTunnelDst(peer.underlayIp())))
                    .toList();
            assertEquals(Set.of(Match.ipTo(peer.subnet()), Match.arpFor(peer.subnet())),
                    toPeer.stream().map(Flow::match).collect(Collectors.toSet()), peer.id().value());
            assertTrue(toPeer.stream().allMatch(f -> f.table() == FlowPlanner.TABLE_FROM_LOCAL
                    && f.actions().equals(List.of(new FlowAction.SetTunnelId(Topologies.KEY),
                    new FlowAction.SetTunnelDst(peer.underlayIp()), new FlowAction.Output(FlowPlanner.TUNNEL_PORT)))));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 50})
    void nothingFromTheTunnelGoesBackIntoIt(int peers) {
        for (Flow flow : br0(Topologies.of(1, peers + 1))) {
            if (flow.table() == FlowPlanner.TABLE_FROM_TUNNEL) {
                assertFalse(flow.actions().contains(new FlowAction.Output(FlowPlanner.TUNNEL_PORT)), flow.toString());
                assertTrue(flow.actions().isEmpty() || flow.actions().equals(List.of(new FlowAction.Output(FlowPlanner.VETH_PORT))),
                        flow.toString());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 50})
    void nothingIsFloodedAndEachTableEndsInADrop(int peers) {
        List<Flow> flows = br0(Topologies.of(1, peers + 1));
        assertFalse(flows.stream().anyMatch(f -> f.actions().contains(new FlowAction.Normal())));
        for (int table : List.of(FlowPlanner.TABLE_CLASSIFY, FlowPlanner.TABLE_FROM_LOCAL, FlowPlanner.TABLE_FROM_TUNNEL)) {
            assertTrue(flows.contains(new Flow("br0", table, 0, Match.any(), List.of(),
                    new Cookie(FlowCategory.DEFAULT_DROP, 7).value())), "table " + table);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3, 50})
    void onlyTheFabricsHostsGetInThroughTheTunnelAndOnlyWithOurKey(int peers) {
        Topology topology = Topologies.of(1, peers + 1);
        List<Flow> fromTunnel = br0(topology).stream()
                .filter(f -> f.match().inPort() != null && f.match().inPort() == FlowPlanner.TUNNEL_PORT).toList();
        List<Flow> expected = new java.util.ArrayList<>();
        for (PeerHost peer : topology.peers()) {
            expected.add(new Flow("br0", FlowPlanner.TABLE_CLASSIFY, FlowPlanner.PRIORITY_CLASSIFY,
                    Match.inPort(FlowPlanner.TUNNEL_PORT).withTunnelSrc(peer.underlayIp()),
                    List.of(new FlowAction.GotoTable(FlowPlanner.TABLE_TUNNEL_KEY)),
                    new Cookie(FlowCategory.TUNNEL_ADMISSION, 7).value()));
        }
        // GRE from anyone else: dropped, and counted under its own cookie category
        expected.add(new Flow("br0", FlowPlanner.TABLE_CLASSIFY, FlowPlanner.PRIORITY_GUARD,
                Match.inPort(FlowPlanner.TUNNEL_PORT), List.of(), new Cookie(FlowCategory.FOREIGN_TUNNEL_DROP, 7).value()));
        expected.add(new Flow("br0", FlowPlanner.TABLE_TUNNEL_KEY, FlowPlanner.PRIORITY_CLASSIFY,
                Match.inPort(FlowPlanner.TUNNEL_PORT).withTunnelId(Topologies.KEY),
                List.of(new FlowAction.GotoTable(FlowPlanner.TABLE_FROM_TUNNEL)),
                new Cookie(FlowCategory.CLASSIFIER, 7).value()));
        assertEquals(expected, fromTunnel);
        // table 5 is reached only from the admission flows
        assertEquals(peers, br0(topology).stream()
                .filter(f -> f.actions().contains(new FlowAction.GotoTable(FlowPlanner.TABLE_TUNNEL_KEY))).count());
        assertTrue(br0(topology).contains(new Flow("br0", FlowPlanner.TABLE_TUNNEL_KEY, 0, Match.any(), List.of(),
                new Cookie(FlowCategory.DEFAULT_DROP, 7).value())));
    }

    @Test
    void fromDocker0OnlyTheHostsSubnetGetsOutAndTheRestIsDroppedAsSpoofed() {
        Topology topology = Topologies.of(1, 3);
        Cidr subnet = topology.self().subnet();
        List<Flow> fromVeth = br0(topology).stream()
                .filter(f -> f.match().inPort() != null && f.match().inPort() == FlowPlanner.VETH_PORT).toList();
        long classify = new Cookie(FlowCategory.CLASSIFIER, 7).value();
        long spoof = new Cookie(FlowCategory.SPOOF_DROP, 7).value();
        List<FlowAction> toLocal = List.of(new FlowAction.GotoTable(FlowPlanner.TABLE_FROM_LOCAL));
        assertEquals(List.of(
                new Flow("br0", 0, FlowPlanner.PRIORITY_CLASSIFY, Match.ipFrom(subnet).withInPort(1), toLocal, classify),
                new Flow("br0", 0, FlowPlanner.PRIORITY_CLASSIFY, Match.arpFrom(subnet).withInPort(1), toLocal, classify),
                new Flow("br0", 0, FlowPlanner.PRIORITY_GUARD, Match.ip().withInPort(1), List.of(), spoof),
                new Flow("br0", 0, FlowPlanner.PRIORITY_GUARD, Match.arp().withInPort(1), List.of(), spoof)), fromVeth);
        assertTrue(FlowPlanner.PRIORITY_GUARD < FlowPlanner.PRIORITY_CLASSIFY);
        assertTrue(FlowPlanner.PRIORITY_GUARD > FlowPlanner.PRIORITY_DROP);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void withIccOffDocker0TrafficBetweenHostsIsDroppedUnderTheIccCookie(int peers) {
        Topology topology = Topologies.of(1, peers + 1);
        List<Flow> on = br0(topology);
        List<Flow> all = FlowPlanner.flows(topology, new PlanSettings(DeviceNames.defaults(), DatapathMode.NETDEV, 7, false))
                .stream().filter(f -> f.bridge().equals("br0")).toList();
        long icc = new Cookie(FlowCategory.ICC_DROP, 7).value();
        long gateways = new Cookie(FlowCategory.GATEWAY_TO_GATEWAY, 7).value();
        List<Flow> off = all.stream().filter(f -> f.cookie() != gateways).toList();
        assertEquals(on.stream().map(Flow::key).toList(), off.stream().map(Flow::key).toList(), "same matches");
        assertFalse(off.stream().anyMatch(f -> f.actions().contains(new FlowAction.Output(FlowPlanner.TUNNEL_PORT))));
        assertFalse(off.stream().anyMatch(f -> f.actions().contains(new FlowAction.Output(FlowPlanner.VETH_PORT))));
        List<Flow> iccDrops = off.stream().filter(f -> f.cookie() == icc).toList();
        assertEquals(2 * peers + 2, iccDrops.size());
        assertTrue(iccDrops.stream().allMatch(f -> f.actions().isEmpty() && (f.table() == FlowPlanner.TABLE_FROM_LOCAL
                || f.table() == FlowPlanner.TABLE_FROM_TUNNEL)));
        // admission and anti-spoofing are the same either way
        assertEquals(on.stream().filter(f -> f.table() <= FlowPlanner.TABLE_TUNNEL_KEY).toList(),
                off.stream().filter(f -> f.table() <= FlowPlanner.TABLE_TUNNEL_KEY).toList());
        assertFalse(on.stream().anyMatch(f -> f.cookie() == new Cookie(FlowCategory.GATEWAY_TO_GATEWAY, 7).value()));
    }

    /** icc=false keeps containers apart, not hosts: gateway to gateway (tunnel health probes) still goes through. */
    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void withIccOffTheHostsStillReachEachOtherBetweenTheirGatewayAddresses(int peers) {
        Topology topology = Topologies.of(1, peers + 1);
        long gateways = new Cookie(FlowCategory.GATEWAY_TO_GATEWAY, 7).value();
        List<Flow> pass = FlowPlanner.flows(topology, new PlanSettings(DeviceNames.defaults(), DatapathMode.NETDEV, 7,
                false)).stream().filter(f -> f.cookie() == gateways).toList();
        Cidr self = new Cidr(topology.self().gateway(), 32);
        List<Flow> expected = new java.util.ArrayList<>();
        for (PeerHost peer : topology.peers()) {
            Cidr other = new Cidr(peer.subnet().firstUsable(), 32);
            List<FlowAction> out = List.of(new FlowAction.SetTunnelId(topology.fabric().tunnelKey().value()),
                    new FlowAction.SetTunnelDst(peer.underlayIp()), new FlowAction.Output(FlowPlanner.TUNNEL_PORT));
            List<FlowAction> in = List.of(new FlowAction.Output(FlowPlanner.VETH_PORT));
            expected.add(new Flow("br0", FlowPlanner.TABLE_FROM_LOCAL, FlowPlanner.PRIORITY_GATEWAYS,
                    Match.ipBetween(self, other), out, gateways));
            expected.add(new Flow("br0", FlowPlanner.TABLE_FROM_LOCAL, FlowPlanner.PRIORITY_GATEWAYS,
                    Match.arpBetween(self, other), out, gateways));
            expected.add(new Flow("br0", FlowPlanner.TABLE_FROM_TUNNEL, FlowPlanner.PRIORITY_GATEWAYS,
                    Match.ipBetween(other, self), in, gateways));
            expected.add(new Flow("br0", FlowPlanner.TABLE_FROM_TUNNEL, FlowPlanner.PRIORITY_GATEWAYS,
                    Match.arpBetween(other, self), in, gateways));
        }
        assertEquals(expected, pass);
        assertTrue(FlowPlanner.PRIORITY_GATEWAYS > FlowPlanner.PRIORITY_FORWARD);
        assertEquals("ip,nw_src=10.200.1.1/32,nw_dst=10.200.2.1/32", pass.get(0).match().toString());
    }

    @Test
    void everyCategorySaysWhatItMeans() {
        for (FlowCategory category : FlowCategory.values()) {
            assertFalse(category.meaning().isBlank(), category.name());
            assertEquals(category, FlowCategory.ofCode(category.code()));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 50})
    void theLocalSubnetIsDeliveredToTheVethOnly(int peers) {
        Topology topology = Topologies.of(1, peers + 1);
        Set<Match> local = br0(topology).stream().filter(f -> f.actions().equals(List.of(new FlowAction.Output(FlowPlanner.VETH_PORT))))
                .map(Flow::match).collect(Collectors.toSet());
        assertEquals(Set.of(Match.ipTo(topology.self().subnet()), Match.arpFor(topology.self().subnet())), local);
    }

    @ParameterizedTest
    @EnumSource(value = DatapathMode.class, names = {"SYSTEM", "NETDEV"})
    void everyFlowCarriesOurCookieWithItsCategoryAndRound(DatapathMode mode) {
        List<Flow> flows = FlowPlanner.flows(Topologies.of(2, 4), new PlanSettings(DeviceNames.defaults(), mode, 42));
        Set<FlowCategory> categories = new HashSet<>();
        for (Flow flow : flows) {
            Cookie cookie = Cookie.parse(flow.cookie()).orElseThrow();
            assertEquals(42, cookie.round());
            categories.add(cookie.category());
        }
        assertEquals(mode == DatapathMode.NETDEV, flows.stream().anyMatch(f -> f.bridge().equals("br-phy")));
        Set<FlowCategory> expected = new HashSet<>(Set.of(FlowCategory.CLASSIFIER, FlowCategory.LOCAL_DELIVERY,
                FlowCategory.PEER_TUNNEL, FlowCategory.DEFAULT_DROP, FlowCategory.TUNNEL_ADMISSION,
                FlowCategory.FOREIGN_TUNNEL_DROP, FlowCategory.SPOOF_DROP));
        if (mode == DatapathMode.NETDEV) {
            expected.add(FlowCategory.UNDERLAY);
        }
        assertEquals(expected, categories);
    }
}
