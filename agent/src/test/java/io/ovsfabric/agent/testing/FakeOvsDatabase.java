package io.ovsfabric.agent.testing;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.ovs.OvsDatabase;
import io.ovsfabric.agent.plan.BridgeSpec;
import io.ovsfabric.agent.plan.ObservedBridge;
import io.ovsfabric.agent.plan.ObservedPort;
import io.ovsfabric.agent.plan.PortSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * In-memory OVSDB with vswitchd's visible behaviour: ofport assignment (honouring ofport_request), a port for a
 * missing Linux device fails with Interface.error, internal ports appear as Linux devices, deleting a bridge
 * deletes its flows.
 */
public final class FakeOvsDatabase implements OvsDatabase {
    /** OpenFlow's LOCAL port: the bridge's own internal port. */
    private static final long LOCAL = 65534;
    private final Map<String, ObservedBridge> bridges = new LinkedHashMap<>();
    private final FakeHostNetwork host;
    private final FakeFlowTable flows;
    private int writes;

    public FakeOvsDatabase(FakeHostNetwork host, FakeFlowTable flows) {
        this.host = host;
        this.flows = flows;
    }

    /** A bridge someone else made. */
    public FakeOvsDatabase foreignBridge(String name) {
        bridges.put(name, new ObservedBridge(name, "netdev", "", Set.of(), Map.of(), List.of()));
        return this;
    }

    public int writes() {
        return writes;
    }

    /** What "ovs-vsctl del-port" does behind the agent's back. */
    public void removePortByHand(String bridge, String port) {
        deletePort(bridge, port);
    }

    @Override
    public List<ObservedBridge> bridges() {
        return List.copyOf(bridges.values());
    }

    @Override
    public void ensureBridge(BridgeSpec spec) {
        writes++;
        ObservedBridge current = bridges.get(spec.name());
        Map<String, String> ids = new HashMap<>(current == null ? Map.of() : current.externalIds());
        ids.putAll(spec.externalIds());
        bridges.put(spec.name(), new ObservedBridge(spec.name(), spec.datapathType(), spec.failMode(), spec.protocols(),
                ids, current == null ? List.of() : current.ports()));
    }

    @Override
    public void deleteBridge(String name) {
        writes++;
        ObservedBridge bridge = bridges.remove(name);
        if (bridge != null) {
            bridge.ports().stream().filter(p -> p.type().equals("internal")).forEach(p -> host.ovsRemoved(p.name()));
            flows.bridgeDeleted(name);
        }
    }

    @Override
    public void ensurePort(String bridgeName, PortSpec spec) {
        writes++;
        ObservedBridge bridge = bridges.get(bridgeName);
        if (bridge == null) {
            throw new AgentException("port " + spec.name() + " on " + bridgeName + ": bridge " + bridgeName + " does not exist");
        }
        List<ObservedPort> ports = new ArrayList<>(bridge.ports());
        ObservedPort current = bridge.port(spec.name()).orElse(null);
        ports.remove(current);
        Map<String, String> ids = new HashMap<>(current == null ? Map.of() : current.externalIds());
        ids.putAll(spec.externalIds());
        Map<String, String> interfaceIds = new HashMap<>(current == null ? Map.of() : current.interfaceIds());
        interfaceIds.putAll(spec.interfaceIds());
        long ofport = current != null && current.ofport() > 0 ? current.ofport()
                : spec.name().equals(bridgeName) ? LOCAL : nextOfport(bridge, spec.ofportRequest());
        String error = "";
        if (spec.type().isEmpty() && host.link(spec.name()).isEmpty()) {
            error = "could not open network device " + spec.name() + " (No such device)";
            ofport = -1;
        }
        if (refusedTypes.contains(spec.type())) {
            error = "could not open network device " + spec.name() + " (Invalid argument)";
            ofport = -1;
        }
        if (spec.type().equals("internal")) {
            host.ovsCreated(spec.name(), spec.mtuRequest() == null ? 1500 : spec.mtuRequest());
        }
        ports.add(new ObservedPort(spec.name(), spec.type(), spec.options(), ofport, spec.ofportRequest(),
                spec.mtuRequest(), error, ids, interfaceIds));
        bridges.put(bridgeName, new ObservedBridge(bridge.name(), bridge.datapathType(), bridge.failMode(),
                bridge.protocols(), bridge.externalIds(), ports));
        if (!error.isEmpty()) {
            throw new AgentException("port " + spec.name() + " on " + bridgeName + ": ovs-vswitchd could not add it: " + error);
        }
    }

    @Override
    public void deletePort(String bridgeName, String port) {
        writes++;
        ObservedBridge bridge = bridges.get(bridgeName);
        if (bridge == null || bridge.port(port).isEmpty()) {
            return;
        }
        List<ObservedPort> ports = new ArrayList<>(bridge.ports());
        ports.removeIf(p -> p.name().equals(port));
        bridges.put(bridgeName, new ObservedBridge(bridge.name(), bridge.datapathType(), bridge.failMode(),
                bridge.protocols(), bridge.externalIds(), ports));
    }

    /** Open_vSwitch.other_config as the agent set it. */
    public final Map<String, String> otherConfig = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void ensureOtherConfig(String key, String value) {
        otherConfig.put(key, value);
    }

    /** What {@link #interfaceTypes} answers (default: none, like a vswitchd that never ran). */
    public volatile java.util.Set<String> interfaceTypes = java.util.Set.of();
    /** Interface types that "could not open" (as vswitchd refuses AF_XDP on a device without XDP support). */
    public volatile java.util.Set<String> refusedTypes = java.util.Set.of();

    @Override
    public java.util.Set<String> interfaceTypes() {
        return interfaceTypes;
    }

    @Override
    public String ovsVersion() {
        return "3.1.0-fake";
    }

    @Override
    public void close() {
        // nothing to release
    }

    private static long nextOfport(ObservedBridge bridge, Integer request) {
        Set<Long> used = new java.util.HashSet<>();
        bridge.ports().forEach(p -> used.add(p.ofport()));
        if (request != null && !used.contains((long) request)) {
            return request;
        }
        long candidate = 1;
        while (used.contains(candidate)) {
            candidate++;
        }
        return candidate;
    }
}
