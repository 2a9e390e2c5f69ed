package io.ovsfabric.agent.plan;

import io.ovsfabric.agent.AgentException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/** Desired OVS bridges and ports against OVSDB. Only bridges and ports marked as ours are ever deleted. */
public record SwitchDiff(List<Change> bridgeUpdates, List<Change> portUpdates, List<Change> removals) {

    /**
     * @param keepEndpointPorts leave the bridges' endpoint ports alone (the Docker plugin's state is not known yet:
     *                          never remove a container's port for want of knowing it)
     */
    public static SwitchDiff of(List<BridgeSpec> desired, ObservedHost observed, boolean keepEndpointPorts) {
        List<Change> bridgeUpdates = new ArrayList<>();
        List<Change> portUpdates = new ArrayList<>();
        List<Change> removals = new ArrayList<>();
        for (BridgeSpec spec : desired) {
            ObservedBridge bridge = observed.bridge(spec.name()).orElse(null);
            if (bridge == null) {
                bridgeUpdates.add(new Change.EnsureBridge(spec, true));
                spec.ports().forEach(p -> portUpdates.add(new Change.EnsurePort(spec.name(), p, true)));
                continue;
            }
            if (!bridge.owned()) {
                throw new AgentException("OVS bridge " + spec.name() + " exists but is not ovsfabric's (no"
                        + " external_ids:" + Ownership.OWNER_KEY + "=" + Ownership.OWNER_VALUE + "): remove it"
                        + " (ovs-vsctl del-br " + spec.name() + ") or configure another bridge name");
            }
            if (!matches(spec, bridge)) {
                bridgeUpdates.add(new Change.EnsureBridge(spec, false));
            }
            for (PortSpec port : spec.ports()) {
                ObservedPort current = bridge.port(port.name()).orElse(null);
                if (current == null) {
                    portUpdates.add(new Change.EnsurePort(spec.name(), port, true));
                } else if (broken(port, current)) {
                    portUpdates.add(new Change.DeletePort(spec.name(), port.name()));
                    portUpdates.add(new Change.EnsurePort(spec.name(), port, true));
                } else if (!matches(port, current)) {
                    portUpdates.add(new Change.EnsurePort(spec.name(), port, false));
                }
            }
            Set<String> wanted = spec.ports().stream().map(PortSpec::name).collect(Collectors.toSet());
            bridge.ports().stream().filter(p -> p.owned() && !wanted.contains(p.name()))
                    .filter(p -> !keepEndpointPorts || !p.interfaceIds().containsKey(EndpointPort.NETWORK_KEY))
                    .forEach(p -> removals.add(new Change.DeletePort(spec.name(), p.name())));
        }
        Set<String> wantedBridges = desired.stream().map(BridgeSpec::name).collect(Collectors.toSet());
        for (ObservedBridge bridge : observed.bridges()) {
            if (bridge.owned() && !wantedBridges.contains(bridge.name())) {
                removals.addAll(TeardownPlanner.removeBridge(bridge, observed));
            }
        }
        return new SwitchDiff(bridgeUpdates, portUpdates, removals);
    }

    static boolean matches(BridgeSpec spec, ObservedBridge bridge) {
        return spec.datapathType().equals(bridge.datapathType()) && spec.failMode().equals(bridge.failMode())
                && spec.protocols().equals(bridge.protocols()) && contains(bridge.externalIds(), spec.externalIds());
    }

    static boolean matches(PortSpec spec, ObservedPort port) {
        return spec.type().equals(port.type()) && spec.options().equals(port.options())
                && Objects.equals(spec.ofportRequest(), port.ofportRequest())
                && (spec.mtuRequest() == null || spec.mtuRequest().equals(port.mtuRequest()))
                && contains(port.externalIds(), spec.externalIds())
                && contains(port.interfaceIds(), spec.interfaceIds());
    }

    /** vswitchd could not add it, or it holds another OpenFlow port number than the flows assume. */
    static boolean broken(PortSpec spec, ObservedPort port) {
        return port.failed() || (spec.ofportRequest() != null && port.ofport() > 0
                && port.ofport() != spec.ofportRequest() && Objects.equals(spec.ofportRequest(), port.ofportRequest()));
    }

    private static boolean contains(Map<String, String> actual, Map<String, String> wanted) {
        return actual.entrySet().containsAll(wanted.entrySet());
    }
}
