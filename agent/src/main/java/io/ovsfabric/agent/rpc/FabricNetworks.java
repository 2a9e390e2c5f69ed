package io.ovsfabric.agent.rpc;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.model.AddressLease;
import io.ovsfabric.agent.model.AllocationHandle;
import io.ovsfabric.agent.model.HostInventory;
import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.model.NetworkSpec;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;

import java.util.List;
import java.util.Optional;

/**
 * The controller as the Docker integration needs it: fabric networks and endpoint addresses in the global IPAM.
 * Failures are {@link AgentException}s; {@link AgentException.Code#UNAVAILABLE} ones are safe to retry.
 * The real one is {@link ControllerClient#networks()}, on the agent's one controller channel.
 */
public interface FabricNetworks {

    /** Every fabric network. */
    List<OverlayNetwork> listNetworks();

    /** Creates a network. Idempotent: a network with the same name and subnet is returned as it is; a network
     *  with the same name and another subnet, or an overlapping subnet, is a CONFLICT. */
    OverlayNetwork createNetwork(NetworkSpec spec);

    /** Deletes a network that no endpoint uses any more (never forced). Deleting what is absent succeeds; a
     *  network in which endpoints still hold addresses is a CONFLICT. */
    void deleteNetwork(String networkId);

    /** Allocates an address for a handle. Idempotent per handle: the same handle always gets the same address.
     *  With a preferred address, that exact address or a CONFLICT. A full network is a CONFLICT too. */
    AddressLease allocateAddress(String networkId, AllocationHandle handle, Optional<Ipv4Address> preferred);

    /** Releases the address held by a handle. Releasing what is absent succeeds. */
    void releaseAddress(String networkId, AllocationHandle handle);

    /** Sets MAC, container and aliases of the endpoint picked by network id and endpoint id (the allocation
     *  handle); NOT_FOUND if absent. */
    void updateEndpoint(NetworkEndpoint endpoint);

    /** Endpoints, optionally only those of one host. */
    List<NetworkEndpoint> listEndpoints(Optional<HostId> host);

    /** Tells the controller what this host has now (replacing its last report), for `ipam check`. */
    void reportInventory(HostId host, HostInventory inventory);

    default Optional<OverlayNetwork> findNetwork(String nameOrId) {
        List<OverlayNetwork> all = listNetworks();
        return all.stream().filter(n -> n.id().equals(nameOrId)).findFirst()
                .or(() -> all.stream().filter(n -> n.name().equals(nameOrId)).findFirst());
    }

    default Optional<OverlayNetwork> findBySubnet(Cidr subnet) {
        return listNetworks().stream().filter(n -> n.subnet().equals(subnet)).findFirst();
    }
}
