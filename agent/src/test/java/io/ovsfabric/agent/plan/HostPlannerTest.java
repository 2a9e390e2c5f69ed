package io.ovsfabric.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.ovsfabric.common.Cidr;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class HostPlannerTest {
    static final UnderlayFacts UNDERLAY = new UnderlayFacts("eth1", InterfaceAddress.parse("192.0.2.11/24"), 1500,
            List.of());

    private static DesiredHost plan(DatapathMode mode, int hosts) {
        return HostPlanner.desired(Topologies.of(1, hosts), new PlanSettings(DeviceNames.defaults(), mode, 1), UNDERLAY);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4, 51})
    void oneFlowBasedTunnelPortWhateverTheNumberOfPeers(int hosts) {
        BridgeSpec br0 = plan(DatapathMode.NETDEV, hosts).bridges().get(0);
        assertEquals(List.of("ofx-br0", "ofx-gre"), br0.ports().stream().map(PortSpec::name).toList());
        PortSpec tunnel = br0.ports().get(1);
        assertEquals("gre", tunnel.type());
        assertEquals(Map.of("remote_ip", "flow", "key", "flow"), tunnel.options());
        assertEquals(FlowPlanner.TUNNEL_PORT, tunnel.ofportRequest());
    }

    @Test
    void theIntegrationBridgeIsSecureOpenFlow13AndMarked() {
        BridgeSpec br0 = plan(DatapathMode.SYSTEM, 2).bridges().get(0);
        assertEquals("system", br0.datapathType());
        assertEquals("secure", br0.failMode());
        assertEquals(java.util.Set.of("OpenFlow13"), br0.protocols());
        assertEquals(Map.of("ovsfabric-owner", "agent", "ovsfabric-host", "h1", "ovsfabric-round", "1"), br0.externalIds());
    }

    @Test
    void dockerZeroCarriesTheGatewayWithTheFabricPrefixAndTheOverlayMtu() {
        DesiredHost host = plan(DatapathMode.NETDEV, 2);
        LinkSpec docker0 = host.links().get(0);
        assertEquals("docker0", docker0.name());
        assertEquals(List.of(InterfaceAddress.parse("10.200.1.1/16")), docker0.addresses());
        assertEquals(Cidr.parse("10.200.0.0/16"), docker0.removeIn());
        assertEquals(1458, host.overlayMtu());
        assertEquals(List.of(1458, 1458, 1458), host.links().subList(0, 3).stream().map(LinkSpec::mtu).toList());
    }

    @Test
    void netdevMovesTheUnderlayOntoItsOwnBridgeAndTurnsOffVethChecksums() {
        DesiredHost host = plan(DatapathMode.NETDEV, 2);
        BridgeSpec brPhy = host.bridges().get(1);
        assertEquals("br-phy", brPhy.name());
        assertEquals("eth1", brPhy.externalIds().get(Ownership.UNDERLAY_INTERFACE_KEY));
        assertEquals("192.0.2.11/24", brPhy.externalIds().get(Ownership.UNDERLAY_ADDRESS_KEY));
        assertEquals(List.of("br-phy", "eth1"), brPhy.ports().stream().map(PortSpec::name).toList());
        assertEquals(1500, brPhy.ports().get(0).mtuRequest());
        assertEquals(Boolean.FALSE, host.links().get(1).txChecksum());
        assertEquals(Boolean.FALSE, host.links().get(2).txChecksum());
        assertEquals("ofx-br0", host.links().get(2).name());
        assertEquals(Boolean.FALSE, host.links().get(2).arp(), "the br0 end never answers ARP for the host");
        assertNull(host.links().get(1).arp(), "the docker0 end is a bridge port");
        LinkSpec eth1 = host.links().get(4);
        assertEquals(Cidr.parse("192.0.2.11/32"), eth1.removeIn());
    }

    @Test
    void systemModeLeavesTheUnderlayAlone() {
        DesiredHost host = plan(DatapathMode.SYSTEM, 2);
        assertEquals(1, host.bridges().size());
        assertEquals(3, host.links().size());
        assertNull(host.links().get(1).txChecksum());
        assertEquals(List.of(), host.routes());
    }
}
