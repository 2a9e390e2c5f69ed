package io.ovsfabric.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.model.PeerHost;
import io.ovsfabric.agent.model.Topology;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
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
        assertEquals(7 + 2 * peers, flows.size());
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
    @ValueSource(ints = {1, 3, 50})
    void onlyOurTunnelKeyEntersFromTheTunnel(int peers) {
        List<Flow> fromTunnel = br0(Topologies.of(1, peers + 1)).stream()
                .filter(f -> f.match().inPort() != null && f.match().inPort() == FlowPlanner.TUNNEL_PORT).toList();
        assertEquals(List.of(Match.inPort(FlowPlanner.TUNNEL_PORT).withTunnelId(Topologies.KEY)),
                fromTunnel.stream().map(Flow::match).toList());
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
        assertEquals(mode == DatapathMode.NETDEV ? Set.of(FlowCategory.CLASSIFIER, FlowCategory.LOCAL_DELIVERY,
                FlowCategory.PEER_TUNNEL, FlowCategory.DEFAULT_DROP, FlowCategory.UNDERLAY)
                : Set.of(FlowCategory.CLASSIFIER, FlowCategory.LOCAL_DELIVERY, FlowCategory.PEER_TUNNEL,
                FlowCategory.DEFAULT_DROP), categories);
    }
}
