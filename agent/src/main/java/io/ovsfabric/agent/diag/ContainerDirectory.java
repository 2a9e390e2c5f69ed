package io.ovsfabric.agent.diag;

import java.util.Map;
import java.util.Optional;

/** This host's containers by name, as its Docker engine knows them. */
public interface ContainerDirectory {
    /** @param addresses address on each Docker network, by network name (docker0's network is "bridge") */
    record Container(String id, String name, Map<String, String> addresses) {
        public Container {
            addresses = Map.copyOf(addresses);
        }
    }

    /**
     * The container with that name or id; empty when there is none.
     *
     * @throws io.ovsfabric.agent.AgentException UNAVAILABLE when the engine cannot be reached
     */
    Optional<Container> lookup(String nameOrId);
}
