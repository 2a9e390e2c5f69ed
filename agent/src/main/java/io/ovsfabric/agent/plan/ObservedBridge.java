package io.ovsfabric.agent.plan;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A bridge as OVSDB shows it. */
public record ObservedBridge(String name, String datapathType, String failMode, Set<String> protocols,
        Map<String, String> externalIds, List<ObservedPort> ports) {

    public ObservedBridge {
        protocols = Set.copyOf(protocols);
        externalIds = Map.copyOf(externalIds);
        ports = List.copyOf(ports);
        failMode = failMode == null ? "" : failMode;
        datapathType = datapathType == null ? "" : datapathType;
    }

    public boolean owned() {
        return Ownership.owns(externalIds);
    }

    public Optional<ObservedPort> port(String portName) {
        return ports.stream().filter(p -> p.name().equals(portName)).findFirst();
    }

    /** The flow round recorded by the agent run that last reconciled this bridge; 0 when none. */
    public int round() {
        try {
            return Integer.parseInt(externalIds.getOrDefault(Ownership.ROUND_KEY, "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
