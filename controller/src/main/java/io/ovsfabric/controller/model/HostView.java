package io.ovsfabric.controller.model;

import io.ovsfabric.common.Ipv4Address;
import java.time.Duration;

/** A host as clients see it: the stored record plus its derived state. */
public record HostView(HostRecord record, HostState state, long reclaimableAtMs) {

    /** Derives the state from the record, whether its live key exists, and the reclaim grace period. */
    public static HostView of(HostRecord record, boolean live, Duration reclaimGrace) {
        if (live) {
            return new HostView(record, HostState.UP, 0);
        }
        if (!record.registered()) {
            return new HostView(record, HostState.RESERVED, 0);
        }
        long reclaimableAt = record.downSinceMs() == 0 ? 0 : record.downSinceMs() + reclaimGrace.toMillis();
        return new HostView(record, HostState.DOWN, reclaimableAt);
    }

    public Ipv4Address gateway() {
        return FabricPlan.gatewayOf(record.subnet());
    }
}
