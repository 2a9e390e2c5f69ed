package io.ovsfabric.agent.docker.engine;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A network in the local engine. {@code containers} maps attached container ids to their endpoint ids;
 * {@code endpoints} tells the same with names and addresses as the engine shows them.
 */
public record EngineNetwork(String id, String name, String driver, String ipamDriver, Optional<Cidr> subnet,
        Optional<Ipv4Address> gateway, Map<String, String> labels, Map<String, String> options,
        Map<String, String> containers, List<Attached> endpoints) {
    public EngineNetwork {
        labels = Map.copyOf(labels);
        options = Map.copyOf(options);
        containers = Map.copyOf(containers);
        endpoints = List.copyOf(endpoints);
    }

    /** Without names and addresses (what a test or an engine that does not show them knows). */
    public EngineNetwork(String id, String name, String driver, String ipamDriver, Optional<Cidr> subnet,
            Optional<Ipv4Address> gateway, Map<String, String> labels, Map<String, String> options,
            Map<String, String> containers) {
        this(id, name, driver, ipamDriver, subnet, gateway, labels, options, containers, containers.entrySet().stream()
                .map(c -> new Attached(c.getKey(), "", c.getValue(), "")).toList());
    }

    /** A container's endpoint: {@code address} without prefix length, "" when the engine shows none. */
    public record Attached(String containerId, String containerName, String endpointId, String address) {}
}
