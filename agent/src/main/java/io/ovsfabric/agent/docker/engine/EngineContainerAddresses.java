package io.ovsfabric.agent.docker.engine;

import java.util.Map;

/** A container's id, name (without Docker's leading '/') and address on each network, by network name. */
public record EngineContainerAddresses(String id, String name, Map<String, String> addresses) {
    public EngineContainerAddresses {
        addresses = Map.copyOf(addresses);
    }
}
