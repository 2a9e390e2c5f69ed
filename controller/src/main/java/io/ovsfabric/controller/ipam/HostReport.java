package io.ovsfabric.controller.ipam;

import java.util.List;
import java.util.Set;

/**
 * What one host said it has at one sync pass, by source, as stored in etcd for `ipam check`. A source the agent
 * could not read ({@code dockerObserved}/{@code ovsObserved} false) proves nothing either way.
 *
 * @param receivedAtMs when the controller received the report (controller clock)
 * @param revision     the etcd revision the host's topology had reached before it read its sources (0: unknown);
 *                     what it has is judged against etcd as it was then
 * @param plugin       the Docker plugin's allocations (its state file)
 * @param docker       the endpoints the engine shows on networks of the ovsfabric driver
 * @param ports        integration-bridge ports tagged with an endpoint
 */
public record HostReport(long receivedAtMs, long revision, List<PluginAddress> plugin, boolean dockerObserved,
        List<DockerEndpoint> docker, boolean ovsObserved, List<EndpointPort> ports) {

    public HostReport {
        plugin = plugin == null ? List.of() : List.copyOf(plugin);
        docker = docker == null ? List.of() : List.copyOf(docker);
        ports = ports == null ? List.of() : List.copyOf(ports);
    }

    /** The same report received at another time. */
    public HostReport receivedAt(long atMs) {
        return new HostReport(atMs, revision, plugin, dockerObserved, docker, ovsObserved, ports);
    }

    /** Whether both say the host has the same things (order and reception time aside). */
    public boolean sameHoldings(HostReport other) {
        return revision == other.revision && dockerObserved == other.dockerObserved && ovsObserved == other.ovsObserved
                && Set.copyOf(plugin).equals(Set.copyOf(other.plugin)) && Set.copyOf(docker).equals(Set.copyOf(other.docker))
                && Set.copyOf(ports).equals(Set.copyOf(other.ports));
    }

    /**
     * An address the plugin holds under an allocation handle. {@code address} is "" while only an intent;
     * {@code reserved} marks an address no endpoint will ever use (Docker's --aux-address).
     */
    public record PluginAddress(String networkId, String handle, String address, boolean reserved,
            String dockerEndpointId) {}

    /** A Docker endpoint; {@code networkId} is the fabric network, "" while the docker network is not registered. */
    public record DockerEndpoint(String networkId, String dockerNetworkId, String dockerEndpointId, String containerId,
            String containerName, String address) {}

    /** An OVS port carrying an endpoint's tags. */
    public record EndpointPort(String port, String networkId, String handle, String dockerEndpointId) {}
}
