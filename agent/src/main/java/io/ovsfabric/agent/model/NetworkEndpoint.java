package io.ovsfabric.agent.model;

import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import java.util.List;
import java.util.Objects;

/**
 * One address held in a fabric network and the endpoint holding it. Container id and name are empty until the
 * engine sync has seen the container (Docker tells a network plugin neither).
 *
 * @param endpointId    the allocation handle, as the plugin tags the endpoint's OVS port ({@code ovsfabric-endpoint})
 * @param mac           "" until the plugin reported it
 * @param containerName "" until the engine sync reported it
 */
public record NetworkEndpoint(String networkId, String endpointId, HostId host, Ipv4Address address, String mac,
        String containerId, String containerName, List<String> aliases) implements Comparable<NetworkEndpoint> {

    public NetworkEndpoint {
        Objects.requireNonNull(networkId, "networkId");
        Objects.requireNonNull(endpointId, "endpointId");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(address, "address");
        mac = mac == null ? "" : mac;
        containerId = containerId == null ? "" : containerId;
        containerName = containerName == null ? "" : containerName;
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
    }

    public NetworkEndpoint withContainer(String id, String name, List<String> newAliases) {
        return new NetworkEndpoint(networkId, endpointId, host, address, mac, id, name, newAliases);
    }

    public Key key() {
        return new Key(networkId, endpointId);
    }

    /** Endpoints are identified by network and endpoint id, as in the controller's endpoint_removed. */
    public record Key(String networkId, String endpointId) implements Comparable<Key> {
        @Override
        public int compareTo(Key other) {
            int byNetwork = networkId.compareTo(other.networkId);
            return byNetwork != 0 ? byNetwork : endpointId.compareTo(other.endpointId);
        }
    }

    @Override
    public int compareTo(NetworkEndpoint other) {
        return key().compareTo(other.key());
    }
}
