package io.ovsfabric.controller.registry;

import io.ovsfabric.controller.ipam.SweepPlanner;
import io.ovsfabric.controller.model.HostRecord;
import io.ovsfabric.controller.store.HostRepository;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's periodic pass: stamps hosts whose lease expired as DOWN (starting their grace period) and reclaims
 * the subnets of hosts whose grace period is over. Every write is conditional on the record not having changed (a
 * host that re-registers meanwhile wins), so a controller that lost leadership mid-pass does no harm.
 */
public final class Sweeper {
    private static final Logger log = LoggerFactory.getLogger(Sweeper.class);

    private final HostRepository hosts;
    private final Duration grace;
    private final Clock clock;
    private final HostRegistry.EndpointReleaser endpoints;

    public Sweeper(HostRepository hosts, Duration grace, Clock clock, HostRegistry.EndpointReleaser endpoints) {
        this.hosts = hosts;
        this.grace = grace;
        this.clock = clock;
        this.endpoints = endpoints;
    }

    /** One pass; returns how many changes it applied. */
    public int sweepOnce() {
        HostRepository.Hosts all = hosts.all();
        long now = clock.millis();
        List<SweepPlanner.Action> actions = SweepPlanner.plan(all.records(), all.live().keySet(), now, grace);
        int applied = 0;
        for (SweepPlanner.Action action : actions) {
            if (action instanceof SweepPlanner.MarkDown down) {
                HostRecord updated = down.updated();
                if (hosts.markDown(down.current(), updated)) {
                    applied++;
                    log.info("host {} at {} is DOWN (its lease expired); subnet {} stays reserved to it until {}",
                            down.hostId(), updated.underlayIp(), updated.subnet(), Instant.ofEpochMilli(now + grace.toMillis()));
                }
            } else if (action instanceof SweepPlanner.Reclaim reclaim) {
                HostRecord record = reclaim.current().value();
                if (hosts.reclaim(reclaim.current())) {
                    applied++;
                    int released = endpoints.releaseHostEndpoints(reclaim.hostId());
                    log.info("reclaimed subnet {} of host {}: DOWN since {}, grace period of {} over{}", record.subnet(),
                            reclaim.hostId(), Instant.ofEpochMilli(record.downSinceMs()), grace,
                            released > 0 ? "; released its " + released + " endpoint addresses" : "");
                }
            }
        }
        return applied;
    }
}
