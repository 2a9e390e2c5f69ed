package io.ovsfabric.agent.testing;

import io.ovsfabric.agent.docker.engine.ContainerEngine;
import io.ovsfabric.agent.docker.engine.EngineContainer;
import io.ovsfabric.agent.docker.engine.EngineEvent;
import io.ovsfabric.agent.docker.engine.EngineNetwork;
import io.ovsfabric.agent.docker.engine.EngineNetworkSpec;
import io.ovsfabric.agent.AgentException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** In-memory engine: networks, containers and an event stream the test drives. */
public final class FakeContainerEngine implements ContainerEngine {
    private final Map<String, EngineNetwork> networks = new LinkedHashMap<>();
    private final Map<String, EngineContainer> containers = new LinkedHashMap<>();
    private final List<Consumer<EngineEvent>> listeners = new CopyOnWriteArrayList<>();
    private final Map<Consumer<EngineEvent>, Consumer<Throwable>> failures = new java.util.concurrent.ConcurrentHashMap<>();
    private int next = 1;

    public synchronized EngineNetwork addNetwork(EngineNetwork network) {
        networks.put(network.id(), network);
        return network;
    }

    public synchronized Map<String, EngineNetwork> networks() {
        return Map.copyOf(networks);
    }

    /** Attaches a container to a network with an endpoint id (what docker run does). */
    public synchronized void attach(String containerId, String name, String networkId, String endpointId, List<String> aliases) {
        EngineContainer old = containers.get(containerId);
        Map<String, EngineContainer.Attachment> attachments = new LinkedHashMap<>(old == null ? Map.of() : old.attachments());
        attachments.put(networkId, new EngineContainer.Attachment(networkId, endpointId, aliases));
        containers.put(containerId, new EngineContainer(containerId, name, attachments));
        EngineNetwork n = networks.get(networkId);
        Map<String, String> attached = new LinkedHashMap<>(n.containers());
        attached.put(containerId, endpointId);
        networks.put(networkId, new EngineNetwork(n.id(), n.name(), n.driver(), n.ipamDriver(), n.subnet(), n.gateway(),
                n.labels(), n.options(), attached));
    }

    public int watchers() {
        return listeners.size();
    }

    public void emit(EngineEvent event) {
        listeners.forEach(l -> l.accept(event));
    }

    @Override
    public synchronized List<EngineNetwork> listNetworks(String driver) {
        return networks.values().stream().filter(n -> n.driver().equals(driver)).toList();
    }

    @Override
    public synchronized String createNetwork(EngineNetworkSpec spec) {
        if (networks.values().stream().anyMatch(n -> n.name().equals(spec.name()))) {
            throw AgentException.conflict("fake engine: network " + spec.name() + " exists");
        }
        String id = String.format("%064x", next++);
        networks.put(id, new EngineNetwork(id, spec.name(), spec.driver(), spec.ipamDriver(), Optional.of(spec.subnet()),
                Optional.of(spec.gateway()), spec.labels(), spec.options(), Map.of()));
        return id;
    }

    @Override
    public synchronized void removeNetwork(String networkId) {
        EngineNetwork n = networks.get(networkId);
        if (n != null && !n.containers().isEmpty()) {
            throw AgentException.conflict("fake engine: network " + n.name() + " has active endpoints");
        }
        networks.remove(networkId);
    }

    @Override
    public synchronized Optional<EngineContainer> inspectContainer(String containerId) {
        return Optional.ofNullable(containers.get(containerId));
    }

    @Override
    public AutoCloseable watchNetworkEvents(String driver, Consumer<EngineEvent> onEvent, Consumer<Throwable> onFailure) {
        listeners.add(onEvent);
        failures.put(onEvent, onFailure);
        return () -> {
            listeners.remove(onEvent);
            failures.remove(onEvent);
        };
    }

    /** Ends every event stream as a dockerd restart does. */
    public void failStreams() {
        List.copyOf(failures.values()).forEach(f -> f.accept(new java.io.IOException("fake dockerd restarted")));
    }

    @Override
    public void close() {
        listeners.clear();
    }

    public static EngineNetwork network(String id, String name, String subnet, Map<String, String> labels) {
        return new EngineNetwork(id, name, "ovsfabric", "ovsfabric", Optional.of(io.ovsfabric.common.Cidr.parse(subnet)),
                Optional.empty(), labels, Map.of(), Map.of());
    }
}
