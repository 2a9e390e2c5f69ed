package io.ovsfabric.agent.plan;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An OVS bridge the agent wants, with the ports it owns on it.
 *
 * @param externalIds keys the agent sets (ownership marks, round, underlay hand-back); other keys are left alone
 */
public record BridgeSpec(String name, String datapathType, String failMode, Set<String> protocols,
        Map<String, String> externalIds, List<PortSpec> ports) {

    public BridgeSpec {
        protocols = Set.copyOf(protocols);
        externalIds = Map.copyOf(externalIds);
        ports = List.copyOf(ports);
    }
}
