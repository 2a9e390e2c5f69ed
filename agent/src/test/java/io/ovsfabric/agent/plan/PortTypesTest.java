package io.ovsfabric.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.AgentException;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which type the underlay and docker0 ports get: every branch of the decision. */
class PortTypesTest {
    private static final Set<String> OVS_31 = Set.of("afxdp", "afxdp-nonpmd", "gre", "internal", "system", "tap");
    private static final PortTypes.Offer NETDEV = new PortTypes.Offer(DatapathMode.NETDEV, PortTypes.Policy.AUTO, OVS_31,
            Map.of());

    @Test
    void userspaceDatapathWithAfxdpSupportGetsAfxdpWithoutPmdThreadsInNativeMode() {
        PortTypes.Choice choice = PortTypes.choose(NETDEV, "eth1", 1500);
        assertEquals("afxdp-nonpmd", choice.type());
        assertEquals(Map.of("xdp-mode", "native"), choice.options());
        assertEquals("afxdp-nonpmd (xdp-mode native)", choice.label());
        assertTrue(choice.reason().contains("MTU 1500 fits"), choice.reason());
    }

    @Test
    void theKernelDatapathAlwaysAttachesPlainDevices() {
        PortTypes.Offer system = new PortTypes.Offer(DatapathMode.SYSTEM, PortTypes.Policy.AUTO, OVS_31, Map.of());
        assertEquals("", PortTypes.choose(system, "ofx-br0", 1458).type());
    }

    @Test
    void aVswitchdWithoutAfxdpGetsAfPacketAndSaysWhy() {
        PortTypes.Offer noXdp = new PortTypes.Offer(DatapathMode.NETDEV, PortTypes.Policy.AUTO, Set.of("gre", "internal"),
                Map.of());
        PortTypes.Choice choice = PortTypes.choose(noXdp, "eth1", 1500);
        assertEquals("", choice.type());
        assertTrue(choice.reason().contains("iface_types lacks afxdp-nonpmd"), choice.reason());
        assertEquals("", PortTypes.choose(noXdp.withRefused(Map.of()), "eth1", 0).type(), "nothing known: AF_PACKET");
    }

    @Test
    void anMtuAboveWhatXdpTakesKeepsAfPacket() {
        assertEquals("afxdp-nonpmd", PortTypes.choose(NETDEV, "eth1", PortTypes.AFXDP_MAX_MTU).type());
        PortTypes.Choice jumbo = PortTypes.choose(NETDEV, "eth1", 9000);
        assertEquals("", jumbo.type());
        assertTrue(jumbo.reason().contains("MTU 9000 is above"), jumbo.reason());
        assertEquals("", PortTypes.choose(NETDEV, "ofx-br0", 8958).type());
    }

    @Test
    void aPortVswitchdRefusedAfxdpOnFallsBackAloneAndNamesTheError() {
        PortTypes.Offer refused = NETDEV.withRefused(Map.of("eth1", "could not open network device eth1 (Invalid argument)"));
        PortTypes.Choice choice = PortTypes.choose(refused, "eth1", 1500);
        assertEquals("", choice.type());
        assertTrue(choice.reason().contains("refused AF_XDP on eth1: could not open"), choice.reason());
        assertEquals(Map.of("ovsfabric-owner", "agent", "ovsfabric-afxdp-refused",
                "could not open network device eth1 (Invalid argument)"),
                choice.portIds(Map.of("ovsfabric-owner", "agent")), "kept on the port for the next run");
        assertEquals(Map.of("ovsfabric-owner", "agent"),
                PortTypes.choose(NETDEV, "eth1", 1500).portIds(Map.of("ovsfabric-owner", "agent")));
        assertEquals("afxdp-nonpmd", PortTypes.choose(refused, "ofx-br0", 1458).type(), "other ports keep AF_XDP");
    }

    @Test
    void theAfpacketPolicyNeverPicksAfxdp() {
        PortTypes.Offer afpacket = new PortTypes.Offer(DatapathMode.NETDEV, PortTypes.Policy.AFPACKET, OVS_31, Map.of());
        assertEquals("", PortTypes.choose(afpacket, "eth1", 1500).type());
        assertEquals("", PortTypes.choose(PortTypes.Offer.plain(DatapathMode.NETDEV), "eth1", 1500).type());
    }

    @Test
    void thePmdPolicyPicksAfxdpWithPmdThreadsWhereAutoWouldPickAfxdp() {
        PortTypes.Offer pmd = new PortTypes.Offer(DatapathMode.NETDEV, PortTypes.Policy.AFXDP_PMD, OVS_31, Map.of());
        PortTypes.Choice choice = PortTypes.choose(pmd, "eth1", 1500);
        assertEquals("afxdp", choice.type());
        assertEquals(Map.of("xdp-mode", "native"), choice.options());
        assertTrue(choice.reason().contains("PMD threads") && choice.reason().contains("pmd-maxsleep"), choice.reason());
        assertEquals("", PortTypes.choose(pmd, "eth1", 9000).type(), "a jumbo port keeps AF_PACKET");
        assertEquals("", PortTypes.choose(pmd.withRefused(Map.of("eth1", "XDP refused")), "eth1", 1500).type());
        PortTypes.Offer nonPmdOnly = new PortTypes.Offer(DatapathMode.NETDEV, PortTypes.Policy.AFXDP_PMD,
                Set.of("afxdp-nonpmd", "gre"), Map.of());
        assertTrue(PortTypes.choose(nonPmdOnly, "eth1", 1500).reason().contains("lacks afxdp"));
    }

    @Test
    void containerPortsGetAfxdpOnlyWithThePmdPolicy() {
        assertEquals("", PortTypes.chooseEndpoint(NETDEV, "veth1234", 1458).type());
        PortTypes.Offer pmd = new PortTypes.Offer(DatapathMode.NETDEV, PortTypes.Policy.AFXDP_PMD, OVS_31, Map.of());
        assertEquals("afxdp", PortTypes.chooseEndpoint(pmd, "veth1234", 1458).type());
        PortTypes.Offer system = new PortTypes.Offer(DatapathMode.SYSTEM, PortTypes.Policy.AFXDP_PMD, OVS_31, Map.of());
        assertEquals("", PortTypes.chooseEndpoint(system, "veth1234", 1458).type());
    }

    @Test
    void policiesParseAndBadOnesSayWhatIsAllowed() {
        assertEquals(PortTypes.Policy.AFXDP_PMD, PortTypes.Policy.parse("afxdp-pmd"));
        assertEquals("afxdp-pmd", PortTypes.Policy.AFXDP_PMD.toString());
        assertEquals(PortTypes.Policy.AUTO, PortTypes.Policy.parse("auto"));
        assertEquals(PortTypes.Policy.AFPACKET, PortTypes.Policy.parse("AF_PACKET"));
        AgentException e = assertThrows(AgentException.class, () -> PortTypes.Policy.parse("dpdk"));
        assertTrue(e.getMessage().contains("auto, afpacket, afxdp-pmd"), e.getMessage());
    }

    @Test
    void thePlannerGivesTheChoiceToTheUnderlayPortAndTheDockerLinkOnly() {
        PlanSettings settings = new PlanSettings(DeviceNames.defaults(), DatapathMode.NETDEV, 1, NETDEV);
        DesiredHost desired = HostPlanner.desired(Topologies.of(1, 2), settings, HostPlannerTest.UNDERLAY);
        Map<String, String> types = new java.util.TreeMap<>();
        desired.bridges().forEach(b -> b.ports().forEach(p -> types.put(p.name(), p.type())));
        assertEquals(Map.of("br-phy", "internal", "eth1", "afxdp-nonpmd", "ofx-br0", "afxdp-nonpmd", "ofx-gre", "gre"),
                types);
    }
}
