package io.ovsfabric.agent.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.model.PublishedPort;
import io.ovsfabric.agent.model.Topology;
import io.ovsfabric.agent.plan.BridgeSpec;
import io.ovsfabric.agent.plan.Change;
import io.ovsfabric.agent.plan.Cookie;
import io.ovsfabric.agent.plan.DatapathMode;
import io.ovsfabric.agent.plan.Flow;
import io.ovsfabric.agent.plan.FilterPlanner;
import io.ovsfabric.agent.plan.InterfaceAddress;
import io.ovsfabric.agent.plan.LocalEndpoint;
import io.ovsfabric.agent.plan.LocalEndpoints;
import io.ovsfabric.agent.plan.Match;
import io.ovsfabric.agent.plan.ObservedBridge;
import io.ovsfabric.agent.plan.Route;
import io.ovsfabric.agent.plan.Topologies;
import io.ovsfabric.agent.testing.FakeFlowTable;
import io.ovsfabric.agent.testing.FakeHostNetwork;
import io.ovsfabric.agent.testing.FakeOvsDatabase;
import io.ovsfabric.agent.testing.FakePacketFilter;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The whole reconcile loop on in-memory fakes: end states, idempotence, rounds, hand edits, teardown. */
class OvsDataPlaneTest {
    private static final Route DEFAULT_VIA_ETH1 = new Route(Cidr.parse("0.0.0.0/0"), Ipv4Address.parse("192.0.2.1"), "eth1");

    private final FakeHostNetwork host = new FakeHostNetwork()
            .device("lo", "", 65536, null, InterfaceAddress.parse("127.0.0.1/8"))
            .device("eth1", "veth", 1500, null, InterfaceAddress.parse("192.0.2.11/24"))
            .route(DEFAULT_VIA_ETH1);
    private final FakeFlowTable flows = new FakeFlowTable();
    private final FakeOvsDatabase ovsdb = new FakeOvsDatabase(host, flows);
    private final FakePacketFilter filter = new FakePacketFilter();

    private OvsDataPlane dataPlane(DatapathMode mode) {
        return OvsDataPlane.create(DataPlaneConfig.defaults(Topologies.underlay(1)), mode, ovsdb, flows, host, filter);
    }

    private ObservedBridge bridge(String name) {
        return ovsdb.bridges().stream().filter(b -> b.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void buildsTheHostThenASecondPassChangesNothing() {
        OvsDataPlane dp = dataPlane(DatapathMode.NETDEV);
        Topology topology = Topologies.of(1, 3);
        dp.reconcile(topology);

        assertEquals(Set.of("br0", "br-phy"), Set.of(ovsdb.bridges().stream().map(ObservedBridge::name).toArray()));
        assertEquals(2, bridge("br0").port("ofx-gre").orElseThrow().ofport());
        assertEquals(1, bridge("br0").port("ofx-br0").orElseThrow().ofport());
        assertEquals(12 + 3 * 2, flows.ownedFlows("br0").size());
        assertEquals(List.of(InterfaceAddress.parse("10.200.1.1/16")), host.link("docker0").orElseThrow().addresses());
        assertEquals(1458, host.link("ofx-d0").orElseThrow().mtu());
        assertEquals("docker0", host.link("ofx-d0").orElseThrow().master());
        assertEquals(List.of(InterfaceAddress.parse("192.0.2.11/24")), host.link("br-phy").orElseThrow().addresses());
        assertEquals(List.of(), host.link("eth1").orElseThrow().addresses());
        assertEquals(List.of(DEFAULT_VIA_ETH1.onDevice("br-phy")), host.routes());
        assertEquals(List.of(false, false), List.of(host.txChecksum("ofx-d0").orElseThrow(), host.txChecksum("ofx-br0").orElseThrow()));
        assertEquals(List.of(false, true), List.of(host.arpOff("ofx-d0"), host.arpOff("ofx-br0")));
        assertTrue(filter.observe().rules("filter", "FORWARD").contains("-j OVSFABRIC-FORWARD"));

        int writes = ovsdb.writes();
        int commands = host.commands();
        int batches = flows.batches();
        int restores = filter.restores();
        assertEquals(List.of(), dp.plan(topology));
        dp.reconcile(topology);
        assertEquals(List.of(writes, commands, batches, restores),
                List.of(ovsdb.writes(), host.commands(), flows.batches(), filter.restores()), "nothing touched");
    }

    @Test
    void afxdpWhereVswitchdHasItAndAfPacketWhereItRefusesIt() {
        ovsdb.interfaceTypes = Set.of("afxdp", "afxdp-nonpmd", "gre", "internal", "system");
        OvsDataPlane dp = dataPlane(DatapathMode.NETDEV);
        dp.reconcile(Topologies.of(1, 2));
        assertEquals("afxdp-nonpmd", bridge("br-phy").port("eth1").orElseThrow().type());
        assertEquals(Map.of("xdp-mode", "native"), bridge("br0").port("ofx-br0").orElseThrow().options());
        assertEquals(List.of(), dp.plan(Topologies.of(1, 2)));

        // a restarted agent on a host whose devices refuse XDP: the same pass falls back, and stays so
        ovsdb.refusedTypes = Set.of("afxdp-nonpmd");
        ovsdb.deletePort("br-phy", "eth1");
        ovsdb.deletePort("br0", "ofx-br0");
        OvsDataPlane restarted = dataPlane(DatapathMode.NETDEV);
        restarted.reconcile(Topologies.of(1, 2));
        assertEquals(List.of("", ""), List.of(bridge("br-phy").port("eth1").orElseThrow().type(),
                bridge("br0").port("ofx-br0").orElseThrow().type()));
        assertEquals(1, bridge("br0").port("ofx-br0").orElseThrow().ofport());
        assertEquals(List.of(), restarted.plan(Topologies.of(1, 2)));

        restarted.usePortTypes(io.ovsfabric.agent.plan.PortTypes.Policy.AFPACKET);
        assertEquals(List.of(), restarted.plan(Topologies.of(1, 2)), "afpacket: what it already has");
    }

    @Test
    void aPortThatFellBackToAfPacketKeepsItAfterARestartEvenWhenVswitchdWouldNowTakeAfxdp() {
        ovsdb.interfaceTypes = Set.of("afxdp", "afxdp-nonpmd", "gre", "internal", "system");
        ovsdb.refusedTypes = Set.of("afxdp-nonpmd");
        dataPlane(DatapathMode.NETDEV).reconcile(Topologies.of(1, 2));
        assertEquals("", bridge("br0").port("ofx-br0").orElseThrow().type());
        assertTrue(bridge("br0").port("ofx-br0").orElseThrow().externalIds().get("ovsfabric-afxdp-refused")
                .contains("Invalid argument"), "the refusal is kept in OVSDB for the next run");

        // the refusal was a passing one: a restarted agent must still not change a forwarding port's type
        ovsdb.refusedTypes = Set.of();
        OvsDataPlane restarted = dataPlane(DatapathMode.NETDEV);
        assertEquals(List.of(), restarted.plan(Topologies.of(1, 2)).stream()
                .filter(c -> c instanceof Change.EnsurePort || c instanceof Change.DeletePort).toList(),
                "no port changes under traffic (only the new round's flows)");

        // a port made anew (the operator deleted it, or teardown) tries AF_XDP again
        ovsdb.deletePort("br0", "ofx-br0");
        ovsdb.deletePort("br-phy", "eth1");
        dataPlane(DatapathMode.NETDEV).reconcile(Topologies.of(1, 2));
        assertEquals(List.of("afxdp-nonpmd", "afxdp-nonpmd"), List.of(bridge("br-phy").port("eth1").orElseThrow().type(),
                bridge("br0").port("ofx-br0").orElseThrow().type()));
    }

    @Test
    void thePmdPolicyGivesAfxdpWithPmdThreadsAndSetsTheirSleepFirst() {
        ovsdb.interfaceTypes = Set.of("afxdp", "afxdp-nonpmd", "gre", "internal", "system");
        OvsDataPlane dp = dataPlane(DatapathMode.NETDEV);
        dp.usePortTypes(io.ovsfabric.agent.plan.PortTypes.Policy.AFXDP_PMD);
        dp.reconcile(Topologies.of(1, 2));
        assertEquals(List.of("afxdp", "afxdp"), List.of(bridge("br-phy").port("eth1").orElseThrow().type(),
                bridge("br0").port("ofx-br0").orElseThrow().type()));
        assertEquals(Map.of("pmd-maxsleep", "50"), ovsdb.otherConfig);
        assertEquals(List.of(), dp.plan(Topologies.of(1, 2)));
    }

    @Test
    void systemDatapathNeedsNoUnderlayBridgeNorOffloadChanges() {
        OvsDataPlane dp = dataPlane(DatapathMode.SYSTEM);
        dp.usePortTypes(io.ovsfabric.agent.plan.PortTypes.Policy.AFXDP_PMD);
        dp.reconcile(Topologies.of(1, 2));
        assertEquals(Map.of(), ovsdb.otherConfig, "no PMD tuning on the kernel datapath");
        assertEquals(List.of("br0"), ovsdb.bridges().stream().map(ObservedBridge::name).toList());
        assertEquals("system", bridge("br0").datapathType());
        assertEquals(List.of(InterfaceAddress.parse("192.0.2.11/24")), host.link("eth1").orElseThrow().addresses());
        assertTrue(host.txChecksum("ofx-d0").orElseThrow(), "offload stays on with the kernel datapath");
        assertEquals(List.of(), dp.plan(Topologies.of(1, 2)));
    }

    @Test
    void eachRestartIsANewRoundThatReplacesEveryFlowAndDropsTheStaleOnes() {
        dataPlane(DatapathMode.NETDEV).reconcile(Topologies.of(1, 3));
        assertEquals("1", bridge("br0").externalIds().get("ovsfabric-round"));

        OvsDataPlane restarted = dataPlane(DatapathMode.NETDEV);
        Topology fewer = Topologies.withPeers(1, 2);
        List<Change.UpdateFlows> updates = restarted.plan(fewer).stream().filter(c -> c instanceof Change.UpdateFlows)
                .map(c -> (Change.UpdateFlows) c).toList();
        assertEquals(0, updates.stream().mapToInt(u -> u.add().size()).sum());
        assertEquals(15 + 1, updates.stream().mapToInt(u -> u.modify().size()).sum());
        assertEquals(3, updates.stream().mapToInt(u -> u.delete().size()).sum(), "peer h3's three flows");

        restarted.reconcile(fewer);
        assertEquals(2, restarted.round());
        assertTrue(flows.ownedFlows("br0").stream().allMatch(f -> Cookie.parse(f.cookie()).orElseThrow().round() == 2));
        assertEquals(15, flows.ownedFlows("br0").size());
        assertEquals(List.of(), restarted.plan(fewer));
        dataPlane(DatapathMode.NETDEV).reconcile(fewer);
        assertEquals("3", bridge("br0").externalIds().get("ovsfabric-round"));
    }

    @Test
    void theRoundWrapsAfter65535() {
        OvsDataPlane first = dataPlane(DatapathMode.NETDEV);
        first.reconcile(Topologies.of(1, 2));
        BridgeSpec br0 = new BridgeSpec("br0", "netdev", "secure", Set.of("OpenFlow13"), Map.of("ovsfabric-round", "65535"), List.of());
        ovsdb.ensureBridge(br0);
        OvsDataPlane restarted = dataPlane(DatapathMode.NETDEV);
        restarted.reconcile(Topologies.of(1, 2));
        assertEquals(1, restarted.round());
    }

    @Test
    void putsBackWhatWasRemovedByHand() {
        OvsDataPlane dp = dataPlane(DatapathMode.NETDEV);
        Topology topology = Topologies.of(1, 3);
        dp.reconcile(topology);
        List<Flow> before = flows.ownedFlows("br0");

        ovsdb.removePortByHand("br0", "ofx-gre");
        flows.removeByHand(new Flow.Key("br0", 10, 100, Match.ipTo(Topologies.peer(2).subnet())));
        filter.delete("nat", "POSTROUTING", "-j OVSFABRIC-POSTROUTING");
        host.deleteAddress("docker0", InterfaceAddress.parse("10.200.1.1/16"));
        assertEquals(4, dp.plan(topology).size(), dp.plan(topology).toString());

        dp.reconcile(topology);
        assertEquals(2, bridge("br0").port("ofx-gre").orElseThrow().ofport());
        assertEquals(Set.copyOf(before), Set.copyOf(flows.ownedFlows("br0")));
        assertEquals(List.of(), dp.plan(topology));
    }

    @Test
    void peersComeAndGo() {
        OvsDataPlane dp = dataPlane(DatapathMode.NETDEV);
        for (int total : new int[] {3, 2, 51, 1, 4}) {
            Topology topology = Topologies.of(1, total);
            dp.reconcile(topology);
            assertEquals(12 + 3 * (total - 1), flows.ownedFlows("br0").size(), total + " hosts");
            assertEquals(List.of(), dp.plan(topology), total + " hosts");
        }
    }

    @Test
    void teardownRemovesWhatIsOursAndGivesTheUnderlayBack() {
        ovsdb.foreignBridge("brforeign");
        host.device("other0", "veth", 1500, null);
        filter.append("filter", "SOMEONE-ELSE", "-j ACCEPT");
        filter.append("filter", "FORWARD", "-j SOMEONE-ELSE");
        OvsDataPlane dp = dataPlane(DatapathMode.NETDEV);
        dp.reconcile(Topologies.of(1, 3));

        dp.teardown();
        assertEquals(List.of("brforeign"), ovsdb.bridges().stream().map(ObservedBridge::name).toList());
        assertEquals(List.of("lo", "eth1", "other0"), host.links().stream().map(l -> l.name()).toList());
        assertEquals(List.of(InterfaceAddress.parse("192.0.2.11/24")), host.link("eth1").orElseThrow().addresses());
        assertEquals(List.of(DEFAULT_VIA_ETH1), host.routes());
        assertFalse(filter.observe().chains("nat").stream().anyMatch(c -> c.startsWith("OVSFABRIC")));
        assertFalse(filter.observe().chains("filter").stream().anyMatch(c -> c.startsWith("OVSFABRIC")));
        assertEquals(List.of("-j SOMEONE-ELSE"), filter.observe().rules("filter", "FORWARD"));

        int writes = ovsdb.writes();
        dp.teardown();
        assertEquals(writes, ovsdb.writes(), "a second teardown finds nothing of ours");
    }

    @Test
    void aDataPlaneForTeardownNeedsNoUnderlayIp() {
        dataPlane(DatapathMode.NETDEV).reconcile(Topologies.of(1, 2));
        OvsDataPlane forTeardown = OvsDataPlane.create(DataPlaneConfig.defaults(null), DatapathMode.NETDEV, ovsdb, flows,
                host, filter);
        org.junit.jupiter.api.Assertions.assertThrows(io.ovsfabric.agent.AgentException.class,
                () -> forTeardown.reconcile(Topologies.of(1, 2)));
        forTeardown.teardown();
        assertEquals(List.of(), ovsdb.bridges());
    }

    @Test
    void dockerZeroWithContainersSurvivesTeardown() {
        OvsDataPlane dp = dataPlane(DatapathMode.NETDEV);
        dp.reconcile(Topologies.of(1, 2));
        host.createVethPair("vethc1", "eth0c1", null);
        host.setLink("vethc1", null, true, "docker0", null);
        dp.teardown();
        assertTrue(host.link("docker0").isPresent(), "a container still uses docker0");
        assertTrue(host.link("ofx-d0").isEmpty());
    }

    // ------------------------------------------------------------------ the Docker plugin's endpoints and ports

    private static final String EP = "7c19b93b8c3c".repeat(5) + "abcd";
    private static final LocalEndpoint WEB = new LocalEndpoint(LocalEndpoint.hostInterfaceOf(EP),
            LocalEndpoint.containerInterfaceOf(EP), "02:42:0a:cd:00:02", "fn-pub", "h1:fn-pub:0001", "dknet1", EP);
    private static final PublishedPort WEB_8081 = new PublishedPort(PublishedPort.Protocol.TCP, PublishedPort.ANY, 8081,
            Ipv4Address.parse("10.205.0.2"), 80, EP);

    private Optional<LocalEndpoints> local = Optional.of(new LocalEndpoints(List.of(WEB), List.of(WEB_8081)));

    private OvsDataPlane withDocker() {
        OvsDataPlane dp = dataPlane(DatapathMode.NETDEV);
        dp.useLocalEndpoints(() -> local);
        return dp;
    }

    @Test
    void aUserNetworkEndpointGetsItsVethAndTaggedPortAndItsDnatRule() {
        OvsDataPlane dp = withDocker();
        Topology topology = Topologies.of(1, 2);
        dp.reconcile(topology);

        String hostEnd = WEB.hostInterface();
        var port = bridge("br0").port(hostEnd).orElseThrow();
        assertTrue(port.ofport() > 2, "a port of its own: " + port);
        assertEquals("agent", port.externalIds().get("ovsfabric-owner"));
        assertEquals(Map.of("ovsfabric-owner", "agent", "ovsfabric-host", "h1", "ovsfabric-network", "fn-pub",
                "ovsfabric-endpoint", "h1:fn-pub:0001", "ovsfabric-docker-network", "dknet1",
                "ovsfabric-docker-endpoint", EP, "attached-mac", "02:42:0a:cd:00:02"), port.interfaceIds());
        var link = host.link(hostEnd).orElseThrow();
        assertEquals(List.of("veth", WEB.containerInterface(), 1458, true), List.of(link.kind(), link.peer(), link.mtu(),
                link.owned()));
        assertTrue(host.arpOff(hostEnd), "arp off on the host end");
        assertEquals(1458, host.link(WEB.containerInterface()).orElseThrow().mtu());
        assertEquals("02:42:0a:cd:00:02", host.mac(WEB.containerInterface()));
        assertEquals(List.of(false, false), List.of(host.txChecksum(hostEnd).orElseThrow(),
                host.txChecksum(WEB.containerInterface()).orElseThrow()), "TX checksum off on netdev");
        assertEquals(FilterPlanner.portRules(List.of(WEB_8081)), filter.observe().rules("nat", FilterPlanner.PORTS_CHAIN));
        assertEquals(List.of(), dp.plan(topology));
        assertEquals(List.of(new io.ovsfabric.agent.model.AttachedPort(hostEnd, "fn-pub", "h1:fn-pub:0001", EP)),
                dp.endpointPorts());
    }

    @Test
    void onceDockerTookTheContainerEndOnlyTheHostEndIsKeptAndAPortRemovedByHandComesBack() {
        OvsDataPlane dp = withDocker();
        Topology topology = Topologies.of(1, 2);
        dp.reconcile(topology);
        host.moveToSandbox(WEB.containerInterface());   // libnetwork, right after Join
        assertEquals(List.of(), dp.plan(topology), "the pair is not recreated for want of its peer");

        ovsdb.removePortByHand("br0", WEB.hostInterface());   // ovs-vsctl del-port br0 ofxh...
        List<Change> repair = dp.plan(topology);
        assertEquals(List.of("add port " + WEB.hostInterface() + " on br0"), repair.stream().map(Change::toString).toList());
        dp.reconcile(topology);
        assertTrue(bridge("br0").port(WEB.hostInterface()).isPresent());
        assertEquals(null, host.link(WEB.hostInterface()).orElseThrow().peer(), "the same veth, its peer still away");
        assertEquals(List.of(), dp.plan(topology));
    }

    @Test
    void aDnatRuleDeletedByHandComesBackWithTheNextPass() {
        OvsDataPlane dp = withDocker();
        Topology topology = Topologies.of(1, 2);
        dp.reconcile(topology);
        filter.delete("nat", FilterPlanner.PORTS_CHAIN, FilterPlanner.portRules(List.of(WEB_8081)).get(0));
        assertEquals(1, dp.plan(topology).size());
        dp.reconcile(topology);
        assertEquals(FilterPlanner.portRules(List.of(WEB_8081)), filter.observe().rules("nat", FilterPlanner.PORTS_CHAIN));
    }

    @Test
    void anEndpointThatLeftLosesItsPortVethAndRuleButNothingGoesWhileThePluginIsNotKnown() {
        OvsDataPlane dp = withDocker();
        Topology topology = Topologies.of(1, 2);
        dp.reconcile(topology);

        local = Optional.empty();   // a restarted agent before its plugin has loaded its state
        assertEquals(List.of(), dp.plan(topology));

        local = Optional.of(LocalEndpoints.NONE);   // Leave: the plugin's state has it no more
        dp.reconcile(topology);
        assertTrue(bridge("br0").port(WEB.hostInterface()).isEmpty());
        assertTrue(host.link(WEB.hostInterface()).isEmpty() && host.link(WEB.containerInterface()).isEmpty());
        assertEquals(List.of(), filter.observe().rules("nat", FilterPlanner.PORTS_CHAIN));
        assertEquals(List.of(), dp.plan(topology));
    }

    @Test
    void teardownRemovesEndpointPortsTheirVethsAndTheDnatChain() {
        OvsDataPlane dp = withDocker();
        dp.reconcile(Topologies.of(1, 2));
        host.moveToSandbox(WEB.containerInterface());
        dp.teardown();
        assertTrue(ovsdb.bridges().isEmpty());
        assertEquals(List.of("lo", "eth1"), host.links().stream().map(l -> l.name()).toList());
        assertFalse(filter.observe().hasChain("nat", FilterPlanner.PORTS_CHAIN));
        assertEquals(List.of(), filter.observe().rules("nat", "PREROUTING"));
    }
}
