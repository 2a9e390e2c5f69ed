package io.ovsfabric.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.model.Topology;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.TunnelKey;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Two networks (appnet key 0x101, othernet key 0x102) across three hosts, two endpoints of each network on each
 * host (appnet .h1/.h2, othernet .h1/.h2 where h = host). Packets are walked through the planned tables, so the
 * tests say where a packet ends up rather than which flows exist.
 */
class NetworkPlannerTest {
    static final OverlayNetwork APP = new OverlayNetwork("a1b2c3d4e5f60718293a4b5c6d7e8f90", "appnet",
            Cidr.parse("10.201.0.0/16"), Ipv4Address.parse("10.201.0.1"), TunnelKey.of(0x101));
    static final OverlayNetwork OTHER = new OverlayNetwork("ffee0011223344556677889900aabbcc", "othernet",
            Cidr.parse("10.202.0.0/16"), Ipv4Address.parse("10.202.0.1"), TunnelKey.of(0x102));
    static final PlanSettings SETTINGS = new PlanSettings(DeviceNames.defaults(), DatapathMode.NETDEV, 3);

    static Ipv4Address address(OverlayNetwork net, int host, int n) {
        return Ipv4Address.parse(net.subnet().network().toString().replace(".0.0", "." + host + "." + n));
    }

    static NetworkEndpoint endpoint(OverlayNetwork net, int host, int n) {
        return new NetworkEndpoint(net.id(), "h" + host + ":" + net.id() + ":" + n, HostId.of("h" + host),
                address(net, host, n), String.format("02:42:00:00:%02x:%02x", host, n), "", "c" + n, List.of());
    }

    static List<NetworkEndpoint> all() {
        List<NetworkEndpoint> endpoints = new ArrayList<>();
        for (int host = 1; host <= 3; host++) {
            for (int n = 1; n <= 2; n++) {
                endpoints.add(endpoint(APP, host, n));
                endpoints.add(endpoint(OTHER, host, n));
            }
        }
        return endpoints;
    }

    static Topology topology(int self, List<NetworkEndpoint> endpoints) {
        Topology base = Topologies.of(self, 3);
        return new Topology(base.fabric(), base.self(), base.peers(), List.of(APP, OTHER), endpoints, 5);
    }

    /** Local ports: appnet n -> ofport 10+n, othernet n -> 20+n (the plugin tags them, vswitchd numbers them). */
    static List<EndpointPort> ports(int self) {
        List<EndpointPort> ports = new ArrayList<>();
        for (int n = 1; n <= 2; n++) {
            ports.add(new EndpointPort("ofxha" + n, 10 + n, APP.id(), "h" + self + ":" + APP.id() + ":" + n, ""));
            // othernet ports found by MAC only (the plugin's handle is not the controller's id for them)
            ports.add(new EndpointPort("ofxho" + n, 20 + n, OTHER.id(), "",
                    String.format("02:42:00:00:%02x:%02x", self, n)));
        }
        return ports;
    }

    static List<Flow> plan(int self, List<NetworkEndpoint> endpoints) {
        return NetworkPlanner.flows(topology(self, endpoints), ports(self), SETTINGS);
    }

    /** Where a packet entering br0 goes: the actions of the last table it reaches, and the metadata it carries. */
    record Result(List<FlowAction> actions, long metadata, long cookie) {
        Optional<FlowCategory> category() {
            return Cookie.parse(cookie).map(Cookie::category);
        }

        Optional<Integer> output() {
            return actions.stream().filter(a -> a instanceof FlowAction.Output).map(a -> ((FlowAction.Output) a).port())
                    .findFirst();
        }

        Optional<Long> tunnelKey() {
            return actions.stream().filter(a -> a instanceof FlowAction.SetTunnelId)
                    .map(a -> ((FlowAction.SetTunnelId) a).id()).findFirst();
        }

        Optional<Ipv4Address> tunnelDst() {
            return actions.stream().filter(a -> a instanceof FlowAction.SetTunnelDst)
                    .map(a -> ((FlowAction.SetTunnelDst) a).destination()).findFirst();
        }
    }

    /** A packet whose source (IP or ARP sender, tunnel sender) is the one its port may use. */
    static Result walk(List<Flow> flows, int inPort, int ethType, Ipv4Address dst, Long tunId) {
        return walk(flows, inPort, ethType, null, dst, tunId, null);
    }

    /** With {@code src} / {@code tunSrc} null: as if it were the right one (source fields are not checked). */
    static Result walk(List<Flow> flows, int inPort, int ethType, Ipv4Address src, Ipv4Address dst, Long tunId,
            Ipv4Address tunSrc) {
        int table = FlowPlanner.TABLE_CLASSIFY;
        long metadata = 0;
        for (int hops = 0; hops < 5; hops++) {
            int t = table;
            long md = metadata;
            Flow flow = flows.stream().filter(f -> f.table() == t && matches(f.match(), inPort, ethType, src, dst, tunId, tunSrc, md))
                    .max(Comparator.comparingInt(Flow::priority)).orElseThrow(() -> new AssertionError("no flow in table " + t));
            Optional<Integer> next = Optional.empty();
            for (FlowAction action : flow.actions()) {
                if (action instanceof FlowAction.WriteMetadata write) {
                    metadata = write.value();
                } else if (action instanceof FlowAction.GotoTable gotoTable) {
                    next = Optional.of(gotoTable.table());
                }
            }
            if (next.isEmpty()) {
                return new Result(flow.actions(), metadata, flow.cookie());
            }
            table = next.get();
        }
        throw new AssertionError("loop in the tables");
    }

    static boolean matches(Match m, int inPort, int ethType, Ipv4Address src, Ipv4Address dst, Long tunId,
            Ipv4Address tunSrc, long metadata) {
        return (m.inPort() == null || m.inPort() == inPort)
                && (m.ipv4Src() == null || (ethType == Match.ETH_IPV4 && (src == null || m.ipv4Src().contains(src))))
                && (m.arpSpa() == null || (ethType == Match.ETH_ARP && (src == null || m.arpSpa().contains(src))))
                && (m.tunnelSrc() == null || tunSrc == null || m.tunnelSrc().equals(tunSrc))
                && (m.ethType() == null || m.ethType() == ethType)
                && (m.ipv4Dst() == null || (ethType == Match.ETH_IPV4 && m.ipv4Dst().contains(dst)))
                && (m.arpTpa() == null || (ethType == Match.ETH_ARP && m.arpTpa().contains(dst)))
                && (m.tunnelId() == null || m.tunnelId().equals(tunId))
                && (m.metadata() == null || m.metadata() == metadata);
    }

    @Test
    void anEndpointPortSendsOnlyWithItsOwnAddressAndSpoofedPacketsAreDroppedUnderTheirCookie() {
        List<Flow> flows = bridge(1, all());
        long spoof = new Cookie(FlowCategory.SPOOF_DROP, 3).value();
        for (int ethType : List.of(Match.ETH_IPV4, Match.ETH_ARP)) {
            // its own address: delivered
            assertEquals(Optional.of(12), walk(flows, 11, ethType, address(APP, 1, 1), address(APP, 1, 2), null, null)
                    .output());
            assertEquals(Optional.of(Topologies.underlay(3)),
                    walk(flows, 11, ethType, address(APP, 1, 1), address(APP, 3, 2), null, null).tunnelDst());
            // a neighbour's address, another network's, another host's, the gateway's: dropped as spoofed
            for (Ipv4Address forged : List.of(address(APP, 1, 2), address(OTHER, 1, 1), address(APP, 2, 1),
                    APP.gateway(), Ipv4Address.parse("10.200.1.1"), Ipv4Address.parse("0.0.0.0"))) {
                Flow hit = first(flows, 11, ethType, forged, address(APP, 1, 2));
                assertEquals(List.of(), hit.actions(), forged + " " + hit);
                assertEquals(spoof, hit.cookie(), forged + " " + hit);
                assertEquals(List.of(), walk(flows, 11, ethType, forged, address(APP, 3, 2), null, null).actions());
            }
        }
        // the gateway port (the host routing replies and DNATed connections in) is not restricted
        int gw = NetworkPlanner.gatewayOfport(APP);
        assertEquals(Optional.of(11), walk(flows, gw, Match.ETH_IPV4, Ipv4Address.parse("198.51.100.7"),
                address(APP, 1, 1), null, null).output());
    }

    @Test
    void userNetworkKeysAreAcceptedOnlyFromTheFabricsHosts() {
        List<Flow> flows = bridge(1, all());
        assertEquals(Optional.of(11), walk(flows, FlowPlanner.TUNNEL_PORT, Match.ETH_IPV4, null, address(APP, 1, 1),
                0x101L, Topologies.underlay(2)).output());
        Result foreign = walk(flows, FlowPlanner.TUNNEL_PORT, Match.ETH_IPV4, null, address(APP, 1, 1), 0x101L,
                Ipv4Address.parse("192.0.2.100"));
        assertEquals(List.of(), foreign.actions());
        assertEquals(new Cookie(FlowCategory.FOREIGN_TUNNEL_DROP, 3).value(), flows.stream()
                .filter(f -> f.table() == 0 && f.match().equals(Match.inPort(FlowPlanner.TUNNEL_PORT))).findFirst()
                .orElseThrow().cookie());
        // this host's own underlay address is no peer either
        assertEquals(List.of(), walk(flows, FlowPlanner.TUNNEL_PORT, Match.ETH_IPV4, null, address(APP, 1, 1), 0x101L,
                Topologies.underlay(1)).actions());
    }

    /** The table-0 flow a packet from a local port hits first. */
    static Flow first(List<Flow> flows, int inPort, int ethType, Ipv4Address src, Ipv4Address dst) {
        return flows.stream().filter(f -> f.table() == 0 && matches(f.match(), inPort, ethType, src, dst, null, null, 0))
                .max(Comparator.comparingInt(Flow::priority)).orElseThrow();
    }

    /** The whole bridge: the default network's flows too, so the user networks cannot collide with them. */
    static List<Flow> bridge(int self, List<NetworkEndpoint> endpoints) {
        List<Flow> flows = new ArrayList<>(FlowPlanner.flows(topology(self, endpoints), SETTINGS));
        flows.addAll(plan(self, endpoints));
        return flows;
    }

    @Test
    void sameNetworkSameHostGoesStraightToThePort() {
        List<Flow> flows = bridge(1, all());
        for (int ethType : List.of(Match.ETH_IPV4, Match.ETH_ARP)) {
            assertEquals(Optional.of(12), walk(flows, 11, ethType, address(APP, 1, 2), null).output());
            assertEquals(Optional.of(21), walk(flows, 22, ethType, address(OTHER, 1, 1), null).output());
        }
    }

    @Test
    void sameNetworkOtherHostTunnelsWithTheNetworksKeyToThatHost() {
        List<Flow> flows = bridge(1, all());
        for (int ethType : List.of(Match.ETH_IPV4, Match.ETH_ARP)) {
            Result app = walk(flows, 11, ethType, address(APP, 3, 2), null);
            assertEquals(Optional.of(FlowPlanner.TUNNEL_PORT), app.output());
            assertEquals(Optional.of(0x101L), app.tunnelKey());
            assertEquals(Optional.of(Topologies.underlay(3)), app.tunnelDst());
            Result other = walk(flows, 21, ethType, address(OTHER, 2, 1), null);
            assertEquals(Optional.of(0x102L), other.tunnelKey());
            assertEquals(Optional.of(Topologies.underlay(2)), other.tunnelDst());
        }
    }

    @Test
    void fromTheTunnelOnlyToLocalPortsOfTheKeysNetwork() {
        List<Flow> flows = bridge(2, all());
        assertEquals(Optional.of(12), walk(flows, FlowPlanner.TUNNEL_PORT, Match.ETH_IPV4, address(APP, 2, 2), 0x101L)
                .output());
        assertEquals(Optional.of(21), walk(flows, FlowPlanner.TUNNEL_PORT, Match.ETH_ARP, address(OTHER, 2, 1), 0x102L)
                .output());
        // othernet's key cannot reach an appnet port, an unknown key nothing, and nothing goes back into the tunnel
        assertEquals(List.of(), walk(flows, FlowPlanner.TUNNEL_PORT, Match.ETH_IPV4, address(APP, 2, 2), 0x102L).actions());
        assertEquals(List.of(), walk(flows, FlowPlanner.TUNNEL_PORT, Match.ETH_IPV4, address(APP, 2, 2), 0x999L).actions());
        assertEquals(List.of(), walk(flows, FlowPlanner.TUNNEL_PORT, Match.ETH_IPV4, address(APP, 3, 1), 0x101L).actions());
        assertTrue(flows.stream().filter(f -> f.table() == NetworkPlanner.TABLE_NET_FROM_TUNNEL)
                .noneMatch(f -> f.actions().contains(new FlowAction.Output(FlowPlanner.TUNNEL_PORT))), "split horizon");
    }

    @Test
    void networksAreIsolatedOnTheSameHostAndAcrossHosts() {
        for (int self = 1; self <= 3; self++) {
            List<Flow> flows = bridge(self, all());
            for (int host = 1; host <= 3; host++) {
                for (int ethType : List.of(Match.ETH_IPV4, Match.ETH_ARP)) {
                    Result toOther = walk(flows, 11, ethType, address(OTHER, host, 1), null);
                    Result toApp = walk(flows, 21, ethType, address(APP, host, 1), null);
                    for (Result r : List.of(toOther, toApp)) {
                        // only ever dropped, or (IP) handed to the own network's gateway port, never tunnelled
                        assertTrue(r.tunnelKey().isEmpty(), r.toString());
                        assertTrue(r.output().isEmpty() || r.output().get() >= NetworkPlanner.GATEWAY_PORT_BASE,
                                r.toString());
                    }
                    if (ethType == Match.ETH_IPV4) {
                        // dropped by a flow that says why: "different network"
                        for (Result r : List.of(toOther, toApp)) {
                            assertEquals(List.of(), r.actions(), r.toString());
                            assertEquals(Optional.of(FlowCategory.NETWORK_ISOLATION), r.category(), r.toString());
                        }
                    }
                }
            }
            // the default network's docker0 port reaches no user network
            assertEquals(Optional.of(FlowPlanner.TUNNEL_PORT),
                    walk(flows, FlowPlanner.VETH_PORT, Match.ETH_IPV4, Ipv4Address.parse("10.200." + (self % 3 + 1) + ".5"),
                            null).output());
            assertEquals(List.of(), walk(flows, FlowPlanner.VETH_PORT, Match.ETH_IPV4, address(APP, self, 1), null)
                    .actions());
            // and no user network reaches docker0's containers (the fabric CIDR)
            Result toDocker0 = walk(flows, 11, Match.ETH_IPV4, Ipv4Address.parse("10.200." + self + ".5"), null);
            assertEquals(List.of(), toDocker0.actions());
            assertEquals(Optional.of(FlowCategory.NETWORK_ISOLATION), toDocker0.category());
        }
    }

    @Test
    void gatewayGetsArpForItsAddressAndTrafficLeavingTheSubnet() {
        List<Flow> flows = bridge(1, all());
        int gw = NetworkPlanner.gatewayOfport(APP);
        assertEquals(Optional.of(gw), walk(flows, 11, Match.ETH_ARP, APP.gateway(), null).output());
        assertEquals(Optional.of(gw), walk(flows, 11, Match.ETH_IPV4, Ipv4Address.parse("10.200.1.1"), null).output(),
                "the host's DNS server on docker0's address is reached through the gateway");
        assertEquals(List.of(), walk(flows, 11, Match.ETH_IPV4, Ipv4Address.parse("10.201.9.9"), null).actions(),
                "an unknown address inside the subnet is dropped, not routed");
        assertEquals(List.of(), walk(flows, 11, Match.ETH_ARP, Ipv4Address.parse("10.201.9.9"), null).actions());
        // the host answers local containers through the gateway port
        assertEquals(Optional.of(11), walk(flows, gw, Match.ETH_ARP, address(APP, 1, 1), null).output());
        assertEquals(Optional.of(11), walk(flows, gw, Match.ETH_IPV4, address(APP, 1, 1), null).output());
    }

    @Test
    void endpointsAndNetworksThatGoTakeTheirFlowsAlong() {
        List<NetworkEndpoint> fewer = new ArrayList<>(all());
        fewer.remove(endpoint(APP, 3, 2));
        fewer.remove(endpoint(APP, 1, 2));
        List<Flow> flows = bridge(1, fewer);
        assertEquals(List.of(), walk(flows, 11, Match.ETH_IPV4, address(APP, 3, 2), null).actions());
        assertEquals(List.of(), walk(flows, 11, Match.ETH_IPV4, address(APP, 1, 2), null).actions());
        assertEquals(List.of(), walk(flows, 12, Match.ETH_IPV4, address(APP, 1, 1), null).actions(),
                "a port whose endpoint is unknown sends nothing");

        Topology onlyOther = new Topology(Topologies.fabric(), Topologies.host(1), Topologies.of(1, 3).peers(),
                List.of(OTHER), all(), 6);
        List<Flow> remaining = NetworkPlanner.flows(onlyOther, ports(1), SETTINGS);
        assertTrue(remaining.stream().noneMatch(f -> Long.valueOf(0x101).equals(f.match().metadata())
                || Long.valueOf(0x101).equals(f.match().tunnelId())), "no appnet flow is left");
        assertEquals(List.of(), NetworkPlanner.flows(Topologies.of(1, 3), ports(1), SETTINGS), "no networks, no flows");
    }

    @Test
    void endpointsOnADownHostGetNoTunnelFlows() {
        Topology base = Topologies.withPeers(1, 2);
        Topology t = new Topology(base.fabric(), base.self(), base.peers(), List.of(APP, OTHER), all(), 5);
        List<Flow> flows = new ArrayList<>(FlowPlanner.flows(t, SETTINGS));
        flows.addAll(NetworkPlanner.flows(t, ports(1), SETTINGS));
        assertEquals(List.of(), walk(flows, 11, Match.ETH_IPV4, address(APP, 3, 1), null).actions());
        assertEquals(Optional.of(Topologies.underlay(2)), walk(flows, 11, Match.ETH_IPV4, address(APP, 2, 1), null)
                .tunnelDst());
    }

    @Test
    void flowsAreOursUniqueAndTheHostPlanAddsGatewayPortsLinksAndIsolationRules() {
        List<Flow> flows = plan(1, all());
        assertTrue(flows.stream().allMatch(f -> Cookie.parse(f.cookie()).map(c -> c.round() == 3).orElse(false)));
        assertEquals(flows.size(), flows.stream().map(Flow::key).distinct().count());

        DesiredHost host = HostPlanner.desired(topology(1, all()), SETTINGS, new UnderlayFacts("eth1",
                InterfaceAddress.parse("192.0.2.11/24"), 1500, List.of()), ports(1));
        BridgeSpec br0 = host.bridges().get(0);
        PortSpec gw = br0.ports().stream().filter(p -> p.name().equals("ofxga1b2c3d4e5f")).findFirst().orElseThrow();
        assertEquals("internal", gw.type());
        assertEquals(NetworkPlanner.gatewayOfport(APP), gw.ofportRequest());
        assertEquals(Map.of("ovsfabric-owner", "agent"), Map.of("ovsfabric-owner", gw.externalIds().get("ovsfabric-owner")));
        LinkSpec link = host.links().stream().filter(l -> l.name().equals("ofxgffee0011223")).findFirst().orElseThrow();
        assertEquals(List.of(InterfaceAddress.parse("10.202.0.1/16")), link.addresses());
        List<String> forward = host.filter().chains().stream().filter(c -> c.name().equals(FilterPlanner.FORWARD_CHAIN))
                .findFirst().orElseThrow().rules();
        assertEquals("-i ofxg+ -o ofxg+ -j DROP", forward.get(0));
        assertTrue(host.flows().containsAll(flows));
    }
}
