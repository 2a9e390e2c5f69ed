package io.ovsfabric.controller.cli;

import io.ovsfabric.controller.ipam.PlanRequest;
import java.time.Duration;
import java.util.List;

/**
 * Everything {@code serve} needs, validated by the command.
 *
 * @param etcdEndpoints  etcd client URLs
 * @param listenHost     address the gRPC server binds
 * @param listenPort     port (0 picks a free one: tests)
 * @param plan           the fabric plan flags (null fields: adopt the stored value)
 * @param leaseTtl       how long a host stays UP without a keep-alive
 * @param reclaimGrace   how long a DOWN host's subnet stays reserved to it
 * @param keyPrefix      etcd key prefix
 * @param controllerId   this controller's name in logs, live keys and the leader election
 */
public record ControllerConfig(List<String> etcdEndpoints, String listenHost, int listenPort, PlanRequest plan,
        Duration leaseTtl, Duration reclaimGrace, String keyPrefix, String controllerId) {

    public ControllerConfig {
        etcdEndpoints = List.copyOf(etcdEndpoints);
    }

    /** How often the leader sweeps for dead hosts and expired grace periods. */
    public Duration sweepInterval() {
        long millis = Math.max(250, Math.min(2000, leaseTtl.toMillis() / 4));
        return Duration.ofMillis(millis);
    }
}
