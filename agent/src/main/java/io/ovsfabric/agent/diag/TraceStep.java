package io.ovsfabric.agent.diag;

import io.ovsfabric.agent.plan.Cookie;
import io.ovsfabric.agent.plan.FlowCategory;
import java.util.List;
import java.util.Optional;

/**
 * One flow a traced packet matched, as {@code ofproto/trace} printed it.
 *
 * @param match   the flow's match in ovs-ofctl's words ("" for match-all)
 * @param actions its actions one by one ("drop" when it drops)
 * @param cookie  the flow's cookie (0 when ofproto/trace printed none)
 */
public record TraceStep(int table, int priority, String match, List<String> actions, long cookie) {
    public TraceStep {
        actions = List.copyOf(actions);
    }

    /** The ovsfabric category of the flow; empty when its cookie is not one of ours. */
    public Optional<FlowCategory> category() {
        return Cookie.parse(cookie).map(Cookie::category);
    }

    /** What the flow is for, in words. */
    public String meaning() {
        return category().map(FlowCategory::meaning)
                .orElse(String.format("not an ovsfabric flow (cookie 0x%x): someone else installed it", cookie));
    }

    /** A flow with no action but drop. */
    public boolean drops() {
        return actions.stream().allMatch("drop"::equals);
    }

    /** {@code table=30 priority=50 ip,metadata=0x1000,nw_dst=10.202.0.0/16 actions=drop}: for messages. */
    public String describe() {
        return "table=" + table + " priority=" + priority + (match.isEmpty() ? "" : " " + match) + " actions="
                + (actions.isEmpty() ? "drop" : String.join(",", actions)) + String.format(" cookie=0x%x", cookie);
    }
}
