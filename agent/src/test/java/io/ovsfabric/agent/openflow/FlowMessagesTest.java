package io.ovsfabric.agent.openflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.ovsfabric.agent.plan.DatapathMode;
import io.ovsfabric.agent.plan.DeviceNames;
import io.ovsfabric.agent.plan.Flow;
import io.ovsfabric.agent.plan.FlowPlanner;
import io.ovsfabric.agent.plan.PlanSettings;
import io.ovsfabric.agent.plan.Topologies;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFFlowAdd;
import org.projectfloodlight.openflow.protocol.OFFlowStatsEntry;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;

/** Every planned flow survives the trip to OpenFlow wire bytes and back (as the switch reports it in stats). */
class FlowMessagesTest {
    private static final List<Flow> FLOWS = allFlows();

    /** The default network's flows and a user network's (metadata match, write_metadata) on the same host. */
    private static List<Flow> allFlows() {
        PlanSettings settings = new PlanSettings(DeviceNames.defaults(), DatapathMode.NETDEV, 3);
        io.ovsfabric.agent.model.Topology base = Topologies.of(1, 4);
        io.ovsfabric.agent.model.OverlayNetwork net = new io.ovsfabric.agent.model.OverlayNetwork("n1", "appnet",
                io.ovsfabric.common.Cidr.parse("10.201.0.0/16"), io.ovsfabric.common.Ipv4Address.parse("10.201.0.1"),
                io.ovsfabric.common.TunnelKey.of(0x101));
        List<io.ovsfabric.agent.model.NetworkEndpoint> endpoints = List.of(
                new io.ovsfabric.agent.model.NetworkEndpoint("n1", "e1", base.self().id(),
                        io.ovsfabric.common.Ipv4Address.parse("10.201.0.2"), "", "", "", List.of()),
                new io.ovsfabric.agent.model.NetworkEndpoint("n1", "e2", base.peers().get(0).id(),
                        io.ovsfabric.common.Ipv4Address.parse("10.201.0.3"), "", "", "", List.of()));
        io.ovsfabric.agent.model.Topology topology = new io.ovsfabric.agent.model.Topology(base.fabric(), base.self(),
                base.peers(), List.of(net), endpoints, 1);
        List<Flow> flows = new java.util.ArrayList<>(FlowPlanner.flows(topology, settings));
        flows.addAll(io.ovsfabric.agent.plan.NetworkPlanner.flows(topology,
                List.of(new io.ovsfabric.agent.plan.EndpointPort("ofxh1", 5, "n1", "e1", "")), settings));
        return flows;
    }

    @Test
    void everyPlannedFlowRoundTrips() throws Exception {
        for (Flow flow : FLOWS) {
            ByteBuf wire = Unpooled.buffer();
            FlowMessages.add(flow, 7).writeTo(wire);
            OFMessage parsed = org.projectfloodlight.openflow.protocol.OFFactories.getGenericReader().readFrom(wire);
            OFFlowAdd add = (OFFlowAdd) parsed;
            OFFlowStatsEntry reported = FlowMessages.OF13.buildFlowStatsEntry().setTableId(add.getTableId())
                    .setPriority(add.getPriority()).setCookie(add.getCookie()).setMatch(add.getMatch())
                    .setInstructions(add.getInstructions()).build();
            assertEquals(flow, FlowMessages.flow(flow.bridge(), reported), flow.toString());
        }
    }

    @Test
    void strictDeletesOnlyTouchOurCookieTag() {
        var delete = FlowMessages.deleteStrict(FLOWS.get(0), 9);
        assertEquals(U64.of(0x0fab000000000000L), delete.getCookie());
        assertEquals(U64.of(0xffff000000000000L), delete.getCookieMask());
        assertEquals(OFPort.ANY, delete.getOutPort());
    }

    @Test
    void refusesFlowsOvsfabricNeverWrites() {
        OFFlowStatsEntry foreign = FlowMessages.OF13.buildFlowStatsEntry().setTableId(TableId.of(0)).setPriority(1)
                .setCookie(U64.of(0x0fab010001000000L))
                .setMatch(FlowMessages.OF13.buildMatch().setExact(org.projectfloodlight.openflow.protocol.match.MatchField.VLAN_PCP,
                        org.projectfloodlight.openflow.types.VlanPcp.of((byte) 1)).build())
                .setInstructions(List.of()).build();
        assertThrows(IllegalArgumentException.class, () -> FlowMessages.flow("br0", foreign));
    }
}
