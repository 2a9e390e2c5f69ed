package io.ovsfabric.agent.plan;

import java.util.List;

/**
 * One OpenFlow flow on one bridge. A flow is identified by (bridge, table, priority, match), as in OpenFlow
 * itself; actions and cookie are what an update may change.
 */
public record Flow(String bridge, int table, int priority, Match match, List<FlowAction> actions, long cookie) {

    public Flow {
        actions = List.copyOf(actions);
    }

    public record Key(String bridge, int table, int priority, Match match) {
        @Override
        public String toString() {
            return bridge + " table=" + table + ",priority=" + priority + (match.toString().isEmpty() ? "" : "," + match);
        }
    }

    public Key key() {
        return new Key(bridge, table, priority, match);
    }

    @Override
    public String toString() {
        String acts = actions.isEmpty() ? "drop" : String.join(",", actions.stream().map(Object::toString).toList());
        return key() + " cookie=" + String.format("0x%x", cookie) + " actions=" + acts;
    }
}
