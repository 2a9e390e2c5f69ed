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
    private static final List<Flow> FLOWS = FlowPlanner.flows(Topologies.of(1, 4),
            new PlanSettings(DeviceNames.defaults(), DatapathMode.NETDEV, 3));

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
