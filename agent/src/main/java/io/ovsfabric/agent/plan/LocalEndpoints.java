package io.ovsfabric.agent.plan;

import io.ovsfabric.agent.model.PublishedPort;
import java.util.List;

/**
 * What the Docker plugin wants on this host: the endpoints joined to a sandbox (each a veth pair and a port of the
 * integration bridge) and the published ports (DNAT rules). An input of the desired host state, next to the topology.
 */
public record LocalEndpoints(List<LocalEndpoint> endpoints, List<PublishedPort> publishedPorts) {
    /** No endpoints and no published ports (an agent without Docker). */
    public static final LocalEndpoints NONE = new LocalEndpoints(List.of(), List.of());

    public LocalEndpoints {
        endpoints = List.copyOf(endpoints);
        publishedPorts = List.copyOf(publishedPorts);
    }
}
