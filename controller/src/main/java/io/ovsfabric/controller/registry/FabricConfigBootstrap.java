package io.ovsfabric.controller.registry;

import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.FabricException.Code;
import io.ovsfabric.controller.ipam.PlanRequest;
import io.ovsfabric.controller.model.FabricPlan;
import io.ovsfabric.controller.store.ConfigRepository;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores the fabric plan once (create-if-absent), or checks that the flags agree with the stored one. A controller
 * never rewrites the plan: a disagreement stops it with the list of differing fields.
 */
public final class FabricConfigBootstrap {
    private static final Logger log = LoggerFactory.getLogger(FabricConfigBootstrap.class);

    private final ConfigRepository config;
    private final Clock clock;

    public FabricConfigBootstrap(ConfigRepository config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /** Returns the plan in force. INVALID_ARGUMENT for bad flags, FAILED_PRECONDITION when they disagree with etcd. */
    public FabricPlan ensure(PlanRequest request) {
        request.validate();
        Optional<FabricPlan> stored = config.find();
        if (stored.isEmpty()) {
            FabricPlan plan = request.toNewPlan(UUID.randomUUID().toString(), clock.millis());
            if (config.createIfAbsent(plan)) {
                log.info("stored the fabric config at {}: fabric {} with /{} per host, tunnel key {}, underlay MTU {}, lease TTL {}s,"
                        + " reclaim grace {}s (fabric id {})", config.location(), plan.fabricCidr(), plan.hostPrefix(), plan.tunnelKey(),
                        plan.underlayMtu(), plan.leaseTtl().toSeconds(), plan.reclaimGrace().toSeconds(), plan.fabricId());
                return plan;
            }
            stored = config.find(); // another controller stored it first: check against theirs
            if (stored.isEmpty()) {
                throw new FabricException(Code.UNAVAILABLE, "the fabric config at " + config.location() + " vanished while starting; retry");
            }
        }
        FabricPlan plan = stored.get();
        List<String> diffs = request.differencesFrom(plan);
        if (!diffs.isEmpty()) {
            throw new FabricException(Code.REFUSED, "refusing to start: the fabric config stored in etcd at "
                    + config.location() + " differs from the command line: " + String.join("; ", diffs)
                    + ". The plan is never rewritten under running hosts: start with the stored values (or leave those"
                    + " flags out to adopt them), or use another --key-prefix for a new fabric");
        }
        log.info("using the stored fabric config: fabric {} with /{} per host, tunnel key {}, underlay MTU {}, lease TTL {}s,"
                + " reclaim grace {}s (fabric id {})", plan.fabricCidr(), plan.hostPrefix(), plan.tunnelKey(), plan.underlayMtu(),
                plan.leaseTtl().toSeconds(), plan.reclaimGrace().toSeconds(), plan.fabricId());
        return plan;
    }
}
