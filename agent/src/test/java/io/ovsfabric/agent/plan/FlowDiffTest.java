package io.ovsfabric.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlowDiffTest {
    private static List<Flow> flows(int hosts, int round) {
        return FlowPlanner.flows(Topologies.of(1, hosts), new PlanSettings(DeviceNames.defaults(), DatapathMode.SYSTEM, round));
    }

    @Test
    void equalTablesNeedNothing() {
        assertEquals(List.of(), FlowDiff.changes(flows(3, 1), flows(3, 1)));
    }

    @Test
    void anEmptySwitchGetsEverything() {
        assertEquals(List.of(new Change.UpdateFlows("br0", flows(3, 1), List.of(), List.of())),
                FlowDiff.changes(flows(3, 1), List.of()));
    }

    @Test
    void aNewPeerAddsThreeFlowsAndAGonePeerDeletesThree() {
        Change.UpdateFlows grow = (Change.UpdateFlows) FlowDiff.changes(flows(4, 1), flows(3, 1)).get(0);
        assertEquals(List.of(3, 0, 0), List.of(grow.add().size(), grow.modify().size(), grow.delete().size()));
        Change.UpdateFlows shrink = (Change.UpdateFlows) FlowDiff.changes(flows(3, 1), flows(4, 1)).get(0);
        assertEquals(List.of(0, 0, 3), List.of(shrink.add().size(), shrink.modify().size(), shrink.delete().size()));
        assertEquals(List.of(Topologies.peer(4).underlayIp()), shrink.delete().stream()
                .map(f -> f.match().tunnelSrc() != null ? f.match().tunnelSrc()
                        : ((FlowAction.SetTunnelDst) f.actions().get(1)).destination()).distinct().toList());
    }

    @Test
    void changedActionsAreReplacedInPlace() {
        List<Flow> observed = new ArrayList<>(flows(2, 1));
        Flow peerFlow = observed.stream().filter(f -> f.table() == FlowPlanner.TABLE_FROM_LOCAL && !f.actions().isEmpty())
                .findFirst().orElseThrow();
        observed.set(observed.indexOf(peerFlow), new Flow(peerFlow.bridge(), peerFlow.table(), peerFlow.priority(),
                peerFlow.match(), List.of(new FlowAction.Output(9)), peerFlow.cookie()));
        assertEquals(List.of(new Change.UpdateFlows("br0", List.of(), List.of(peerFlow), List.of())),
                FlowDiff.changes(flows(2, 1), observed));
    }

    @Test
    void aNewRoundReplacesEveryFlowAndDeletesOnlyWhatIsNoLongerWanted() {
        Change.UpdateFlows update = (Change.UpdateFlows) FlowDiff.changes(flows(2, 2), flows(3, 1)).get(0);
        assertEquals(List.of(), update.add());
        assertEquals(flows(2, 2), update.modify());
        assertEquals(3, update.delete().size());
        assertEquals(List.of(1), update.delete().stream().map(f -> Cookie.parse(f.cookie()).orElseThrow().round())
                .distinct().toList());
    }
}
