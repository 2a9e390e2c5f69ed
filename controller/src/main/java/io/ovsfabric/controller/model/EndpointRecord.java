package io.ovsfabric.controller.model;

import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import java.util.List;

/**
 * One address held in a network and the endpoint holding it. {@code endpointId} is the allocation handle; container
 * details are filled in later (UpdateEndpoint) and may be empty.
 */
public record EndpointRecord(String networkId, String endpointId, HostId hostId, Ipv4Address address, String mac,
        String containerId, String containerName, List<String> aliases, long allocatedAtMs) {
    public EndpointRecord {
        mac = mac == null ? "" : mac;
        containerId = containerId == null ? "" : containerId;
        containerName = containerName == null ? "" : containerName;
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
    }
}
