package io.ovsfabric.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.model.FabricSettings;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.model.Topology;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.TunnelKey;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** GRE keys of 2^31 and more reach the flows as the same unsigned 32 bits (tun_id, metadata, gateway port). */
class UnsignedTunnelKeyTest {
    static final PlanSettings SETTINGS = new PlanSettings(DeviceNames.defaults(), DatapathMode.NETDEV, 3);

    static Topology topology(long defaultKey, long networkKey) {
        Topology base = Topologies.of(1, 3);
        FabricSettings f = base.fabric();
        FabricSettings fabric = new FabricSettings(f.fabricCidr(), f.hostPrefix(), TunnelKey.of(defaultKey),
                f.underlayMtu(), f.tunnelOverhead(), f.reservedHead(), f.fabricId());
        OverlayNetwork net = new OverlayNetwork("a1b2c3d4e5f60718293a4b5c6d7e8f90", "high", Cidr.parse("10.201.0.0/16"),
                Ipv4Address.parse("10.201.0.1"), TunnelKey.of(networkKey));
        return new Topology(fabric, base.self(), base.peers(), List.of(net), List.of(), 5);
    }

    static Set<Long> tunnelIds(List<Flow> flows) {
        Set<Long> ids = new TreeSet<>();
        for (Flow flow : flows) {
            if (flow.match().tunnelId() != null) {
                ids.add(flow.match().tunnelId());
            }
            flow.actions().stream().filter(a -> a instanceof FlowAction.SetTunnelId)
                    .forEach(a -> ids.add(((FlowAction.SetTunnelId) a).id()));
        }
        return ids;
    }

    @Test
    void theDefaultNetworksKey4294967295IsTunId0xffffffff() {
        List<Flow> flows = FlowPlanner.flows(topology(0xffffffffL, 4096), SETTINGS);
        assertEquals(Set.of(0xffffffffL), tunnelIds(flows));
        assertTrue(flows.stream().anyMatch(f -> f.toString().contains("tun_id=0xffffffff")), flows.toString());
        assertTrue(flows.stream().noneMatch(f -> f.toString().contains("tun_id=0xffffffffffffffff")), flows.toString());
    }

    @Test
    void aUserNetworksKeyOf2To31IsItsTunIdAndMetadataAndAPositiveGatewayPort() {
        Topology topology = topology(1, 0x80000000L);
        List<Flow> flows = NetworkPlanner.flows(topology, List.of(), SETTINGS);
        assertEquals(Set.of(0x80000000L), tunnelIds(flows));
        assertTrue(flows.stream().allMatch(f -> f.match().metadata() == null || f.match().metadata() == 0x80000000L),
                flows.toString());
        int port = NetworkPlanner.gatewayOfport(topology.networks().get(0));
        assertEquals(NetworkPlanner.GATEWAY_PORT_BASE + (int) (0x80000000L % NetworkPlanner.GATEWAY_PORT_SPAN), port);
        assertTrue(port >= NetworkPlanner.GATEWAY_PORT_BASE
                && port < NetworkPlanner.GATEWAY_PORT_BASE + NetworkPlanner.GATEWAY_PORT_SPAN, Integer.toString(port));
        assertEquals(1, NetworkPlanner.networks(topology).size());
    }

    @Test
    void aUserNetworkWithTheDefaultNetworksKeyIsLeftOutAlsoAbove2To31() {
        assertEquals(List.of(), NetworkPlanner.networks(topology(0xffffffffL, 0xffffffffL)));
    }
}
