package io.ovsfabric.agent.model;

import java.util.List;
import java.util.Optional;

/**
 * What this host has, by source, at one sync pass: what `ipam check` compares etcd with. A source that could not be
 * read is empty (not an empty list): it then proves nothing either way.
 *
 * @param topologyRevision the topology revision the host had applied when the pass began (0: none yet)
 * @param plugin the plugin's allocations (its state file)
 * @param docker the endpoints the engine shows on networks of the ovsfabric driver
 * @param ports  the integration bridge's endpoint ports
 */
public record HostInventory(long topologyRevision, List<HeldAddress> plugin, Optional<List<DockerEndpoint>> docker,
        Optional<List<AttachedPort>> ports) {

    public HostInventory {
        plugin = List.copyOf(plugin);
        docker = docker.map(List::copyOf);
        ports = ports.map(List::copyOf);
    }

    /**
     * An allocation of the plugin. {@code address} is "" while only an intent; {@code reserved} for addresses no
     * endpoint uses (--aux-address); {@code dockerEndpointId} "" until CreateEndpoint binds it.
     */
    public record HeldAddress(AllocationHandle handle, String address, boolean reserved, String dockerEndpointId) {}

    /** {@code networkId} is the fabric network, "" while the docker network is not registered. */
    public record DockerEndpoint(String networkId, String dockerNetworkId, String dockerEndpointId, String containerId,
            String containerName, String address) {}
}
