package io.ovsfabric.agent.docker.engine;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;

import java.util.Map;
import java.util.Optional;

/**
 * A network in the local engine. {@code containers} maps attached container ids to their endpoint ids.
 */
public record EngineNetwork(String id, String name, String driver, String ipamDriver, Optional<Cidr> subnet,
        Optional<Ipv4Address> gateway, Map<String, String> labels, Map<String, String> options,
        Map<String, String> containers) {
    public EngineNetwork {
        labels = Map.copyOf(labels);
        options = Map.copyOf(options);
        containers = Map.copyOf(containers);
    }
}
