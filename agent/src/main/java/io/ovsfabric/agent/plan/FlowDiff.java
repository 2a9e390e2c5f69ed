package io.ovsfabric.agent.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Desired flows against the flows with our cookie tag that the switch reports. A flow whose actions or cookie
 * differ is replaced (an OpenFlow add over an identical match is atomic, so traffic never sees a gap). After a
 * restart every flow carries the previous round's cookie: all are replaced by this round's, and only those left in
 * an old round (no longer desired) are deleted.
 */
public final class FlowDiff {
    private FlowDiff() {}

    /** One {@link Change.UpdateFlows} per bridge of {@code desired} that needs any. */
    public static List<Change> changes(List<Flow> desired, List<Flow> observed) {
        Set<String> bridges = new LinkedHashSet<>();
        desired.forEach(f -> bridges.add(f.bridge()));
        List<Change> changes = new ArrayList<>();
        for (String bridge : bridges) {
            Map<Flow.Key, Flow> seen = new LinkedHashMap<>();
            observed.stream().filter(f -> f.bridge().equals(bridge)).forEach(f -> seen.put(f.key(), f));
            List<Flow> add = new ArrayList<>();
            List<Flow> modify = new ArrayList<>();
            for (Flow flow : desired) {
                if (!flow.bridge().equals(bridge)) {
                    continue;
                }
                Flow current = seen.remove(flow.key());
                if (current == null) {
                    add.add(flow);
                } else if (current.cookie() != flow.cookie() || !current.actions().equals(flow.actions())) {
                    modify.add(flow);
                }
            }
            List<Flow> delete = new ArrayList<>(seen.values());
            if (!add.isEmpty() || !modify.isEmpty() || !delete.isEmpty()) {
                changes.add(new Change.UpdateFlows(bridge, add, modify, delete));
            }
        }
        return changes;
    }
}
