package io.ovsfabric.agent.docker.fabric;

import io.ovsfabric.agent.docker.MacAddress;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One address held in a fabric network and what holds it. Container id and name are empty until the engine
 * sync has seen the container (Docker tells a network plugin neither).
 */
public record FabricEndpoint(String networkId, String handle, HostId host, Ipv4Address address,
        Optional<MacAddress> mac, String containerId, String containerName, List<String> aliases) {
    public FabricEndpoint {
        Objects.requireNonNull(networkId, "networkId");
        Objects.requireNonNull(handle, "handle");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(mac, "mac");
        containerId = containerId == null ? "" : containerId;
        containerName = containerName == null ? "" : containerName;
        aliases = List.copyOf(aliases);
    }

    public FabricEndpoint withContainer(String id, String name, List<String> newAliases) {
        return new FabricEndpoint(networkId, handle, host, address, mac, id, name, newAliases);
    }
}
