package io.ovsfabric.agent.testing;

import io.ovsfabric.agent.openflow.FlowTable;
import io.ovsfabric.agent.plan.Cookie;
import io.ovsfabric.agent.plan.Flow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** In-memory flow tables keyed by (bridge, table, priority, match), with OpenFlow's add-replaces semantics. */
public final class FakeFlowTable implements FlowTable {
    private final Map<String, Map<Flow.Key, Flow>> bridges = new LinkedHashMap<>();
    private int batches;

    public int batches() {
        return batches;
    }

    /** Every flow on a bridge, ours or not. */
    public List<Flow> all(String bridge) {
        return new ArrayList<>(bridges.getOrDefault(bridge, Map.of()).values());
    }

    /** A flow someone else wrote (any cookie). */
    public void addByHand(Flow flow) {
        bridges.computeIfAbsent(flow.bridge(), b -> new LinkedHashMap<>()).put(flow.key(), flow);
    }

    public void removeByHand(Flow.Key key) {
        bridges.getOrDefault(key.bridge(), new LinkedHashMap<>()).remove(key);
    }

    void bridgeDeleted(String bridge) {
        bridges.remove(bridge);
    }

    @Override
    public List<Flow> ownedFlows(String bridge) {
        return all(bridge).stream().filter(f -> Cookie.isOurs(f.cookie())).toList();
    }

    @Override
    public void apply(String bridge, List<Flow> addOrReplace, List<Flow> delete) {
        batches++;
        Map<Flow.Key, Flow> table = bridges.computeIfAbsent(bridge, b -> new LinkedHashMap<>());
        addOrReplace.forEach(f -> table.put(f.key(), f));
        for (Flow flow : delete) {
            Flow current = table.get(flow.key());
            if (current != null && Cookie.isOurs(current.cookie())) {
                table.remove(flow.key());
            }
        }
    }

    @Override
    public void deleteOwned(String bridge) {
        batches++;
        bridges.getOrDefault(bridge, new LinkedHashMap<>()).values().removeIf(f -> Cookie.isOurs(f.cookie()));
    }

    @Override
    public void close() {
        // nothing to release
    }
}
