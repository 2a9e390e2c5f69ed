package io.ovsfabric.agent.docker.engine;

import java.util.Optional;

/** A network event of the local engine. */
public record EngineEvent(Kind kind, String networkId, Optional<String> containerId) {
    public enum Kind { NETWORK_CREATED, NETWORK_REMOVED, CONTAINER_CONNECTED, CONTAINER_DISCONNECTED }
}
