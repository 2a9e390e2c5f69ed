package io.ovsfabric.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.model.PeerHost;
import io.ovsfabric.agent.model.Topology;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.TunnelKey;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The iptables half of admission and Docker parity: GRE from peers only, icc, other local bridges left to Docker. */
class AdmissionRulesTest {
    static final OverlayNetwork APP = new OverlayNetwork("a1b2c3d4e5f60718293a4b5c6d7e8f90", "appnet",
            Cidr.parse("10.201.0.0/16"), Ipv4Address.parse("10.201.0.1"), TunnelKey.of(0x101));

    private static FilterRules.Chain chain(FilterRules rules, String name) {
        return rules.chains().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    private static FilterRules rules(List<Ipv4Address> peers, boolean icc) {
        return FilterPlanner.rules(Topologies.FABRIC, "docker0", List.of(APP), Optional.of(List.of()),
                new FilterPlanner.Admission(Optional.empty(), Optional.empty(), peers, icc));
    }

    /** A netdev host (underlay address on br-phy) with subnet 10.200.1.0/24. */
    private static List<String> netdevForward(boolean icc) {
        return chain(FilterPlanner.rules(Topologies.FABRIC, "docker0", List.of(APP), Optional.of(List.of()),
                new FilterPlanner.Admission(Optional.of(Cidr.parse("10.200.1.0/24")), Optional.of("br-phy"), List.of(),
                        icc)), FilterPlanner.FORWARD_CHAIN).rules();
    }

    @Test
    void greIsAcceptedFromEachPeerOnlyAndTheRestIsDropped() {
        FilterRules rules = rules(List.of(Ipv4Address.parse("192.0.2.13"), Ipv4Address.parse("192.0.2.12"),
                Ipv4Address.parse("192.0.2.12")), true);
        FilterRules.Chain input = chain(rules, FilterPlanner.INPUT_CHAIN);
        assertEquals("filter", input.table());
        assertEquals(List.of("-s 192.0.2.12/32 -j ACCEPT", "-s 192.0.2.13/32 -j ACCEPT", "-j DROP"), input.rules());
        assertTrue(rules.hooks().contains(new FilterRules.Hook("filter", "INPUT", FilterPlanner.INPUT_CHAIN, "-p gre",
                true)));
        assertEquals("-p gre -j OVSFABRIC-INPUT", rules.hooks().stream()
                .filter(h -> h.builtinChain().equals("INPUT")).findFirst().orElseThrow().rule());
    }

    @Test
    void aHostWithoutPeersTakesNoGre() {
        assertEquals(List.of("-j DROP"), chain(rules(List.of(), true), FilterPlanner.INPUT_CHAIN).rules());
    }

    @Test
    void theHostPlanTakesTheTunnelPeersFromTheTopology() {
        Topology topology = Topologies.of(1, 4);
        DesiredHost desired = HostPlanner.desired(topology, new PlanSettings(DeviceNames.defaults(),
                DatapathMode.SYSTEM, 1, false), new UnderlayFacts("eth1", InterfaceAddress.parse("192.0.2.11/24"), 1500,
                List.of()));
        List<String> expected = new java.util.ArrayList<>(topology.peers().stream().map(PeerHost::underlayIp)
                .sorted().map(ip -> "-s " + ip + "/32 -j ACCEPT").toList());
        expected.add("-j DROP");
        assertEquals(expected, chain(desired.filter(), FilterPlanner.INPUT_CHAIN).rules());
        assertTrue(chain(desired.filter(), FilterPlanner.FORWARD_CHAIN).rules()
                .contains("-i docker0 -o docker0 -j DROP"));
    }

    @Test
    void iccDecidesDocker0ToDocker0() {
        List<String> on = chain(rules(List.of(), true), FilterPlanner.FORWARD_CHAIN).rules();
        List<String> off = chain(rules(List.of(), false), FilterPlanner.FORWARD_CHAIN).rules();
        assertTrue(on.contains("-i docker0 -o docker0 -j ACCEPT"), on.toString());
        assertTrue(off.contains("-i docker0 -o docker0 -j DROP"), off.toString());
        // nothing else of ours accepts docker0 -> docker0 (the old "-s FABRIC -d FABRIC -j ACCEPT" did)
        for (List<String> chain : List.of(on, off)) {
            assertTrue(chain.stream().noneMatch(r -> r.contains("-d " + Topologies.FABRIC) && r.endsWith("-j ACCEPT")
                    && !r.contains("RELATED,ESTABLISHED")), chain.toString());
        }
        assertTrue(off.indexOf("-i docker0 -o docker0 -j DROP") < off.indexOf("-s 10.200.0.0/16 -i docker0 -j ACCEPT"));
    }

    @Test
    void otherDockerBridgesAreLeftToDockersRulesBeforeAnyAcceptOfOurs() {
        List<String> forward = chain(rules(List.of(), true), FilterPlanner.FORWARD_CHAIN).rules();
        int ret = forward.indexOf("-o br-+ -j RETURN");
        assertTrue(ret >= 0, forward.toString());
        for (int i = 0; i < ret; i++) {
            assertTrue(forward.get(i).endsWith("-j DROP") || forward.get(i).contains("--ctstate DNAT"),
                    "before the return: " + forward.get(i));
        }
        // a user network's way out comes after it, so it never reaches br-* (internal networks included)
        assertTrue(forward.indexOf("-s 10.201.0.0/16 -i " + NetworkPlanner.gatewayPort(APP) + " -j ACCEPT") > ret);
    }

    /**
     * br-phy (the netdev underlay bridge) matches Docker's br-+ too: without accepts of its own ahead of the return,
     * the replies of published ports and every user network's way out fell to Docker's FORWARD policy DROP.
     */
    @Test
    void theWayOutThroughTheUnderlayBridgeIsAcceptedBeforeOtherBridgesAreLeftToDocker() {
        List<String> forward = netdevForward(true);
        int ret = forward.indexOf("-o br-+ -j RETURN");
        String docker0Out = "-s 10.200.0.0/16 -i docker0 -o br-phy -j ACCEPT";
        String networkOut = "-s 10.201.0.0/16 -i " + NetworkPlanner.gatewayPort(APP) + " -o br-phy -j ACCEPT";
        assertTrue(forward.indexOf(docker0Out) >= 0 && forward.indexOf(docker0Out) < ret, forward.toString());
        assertTrue(forward.indexOf(networkOut) >= 0 && forward.indexOf(networkOut) < ret, forward.toString());
        // the isolation drops still come first: nothing from docker0 into a network's gateway, nor between networks
        assertTrue(forward.indexOf("-i ofxg+ -o ofxg+ -j DROP") < forward.indexOf(networkOut));
        // on the kernel datapath there is no br-phy and no such rule
        assertTrue(chain(rules(List.of(), true), FilterPlanner.FORWARD_CHAIN).rules().stream()
                .noneMatch(r -> r.contains("br-phy")));
    }

    @Test
    void docker0RoutesOutOnlyWithTheHostsSubnetAsSource() {
        List<String> forward = netdevForward(false);
        String spoof = "! -s 10.200.1.0/24 -i docker0 ! -o docker0 -j DROP";
        assertTrue(forward.contains(spoof), forward.toString());
        assertTrue(forward.indexOf(spoof) < forward.indexOf("-s 10.200.0.0/16 -i docker0 -o br-phy -j ACCEPT"));
        assertTrue(forward.indexOf(spoof) < forward.indexOf("-s 10.200.0.0/16 -i docker0 -j ACCEPT"));
    }

    @Test
    void theHostPlanOfANetdevHostNamesItsUnderlayBridgeAndSubnet() {
        Topology topology = Topologies.of(1, 2);
        DesiredHost desired = HostPlanner.desired(topology, new PlanSettings(DeviceNames.defaults(),
                DatapathMode.NETDEV, 1, true), new UnderlayFacts("eth1", InterfaceAddress.parse("192.0.2.11/24"), 1500,
                List.of()));
        List<String> forward = chain(desired.filter(), FilterPlanner.FORWARD_CHAIN).rules();
        assertTrue(forward.contains("! -s " + topology.self().subnet() + " -i docker0 ! -o docker0 -j DROP"),
                forward.toString());
        assertTrue(forward.contains("-s " + Topologies.FABRIC + " -i docker0 -o "
                + DeviceNames.defaults().underlayBridge() + " -j ACCEPT"), forward.toString());
    }
}
