package io.ovsfabric.controller.ipam;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.model.HostRecord;
import io.ovsfabric.controller.model.Versioned;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * What the leading controller's periodic sweep must do (pure): stamp newly dead hosts as down, and reclaim the
 * subnets of hosts down for longer than the grace period. Reserved (never registered) hosts are left alone.
 */
public final class SweepPlanner {

    public sealed interface Action permits MarkDown, Reclaim {
        HostId hostId();
    }

    /** Host seen without a live lease for the first time: start its grace period now. */
    public record MarkDown(HostId hostId, Versioned<HostRecord> current, HostRecord updated) implements Action {}

    /** Grace period over: delete the host record and free its subnet. */
    public record Reclaim(HostId hostId, Versioned<HostRecord> current) implements Action {}

    private SweepPlanner() {}

    public static List<Action> plan(Collection<Versioned<HostRecord>> hosts, Set<HostId> live, long nowMs, Duration grace) {
        List<Action> actions = new ArrayList<>();
        for (Versioned<HostRecord> versioned : hosts) {
            HostRecord host = versioned.value();
            if (live.contains(host.hostId()) || !host.registered()) {
                continue;
            }
            if (host.downSinceMs() == 0) {
                actions.add(new MarkDown(host.hostId(), versioned, host.markedDown(nowMs)));
            } else if (nowMs >= host.downSinceMs() + grace.toMillis()) {
                actions.add(new Reclaim(host.hostId(), versioned));
            }
        }
        return actions;
    }
}
