package io.ovsfabric.agent.docker.plugin;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.docker.MacAddress;
import io.ovsfabric.agent.model.AllocationHandle;
import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.docker.plugin.PluginState.Allocation;
import io.ovsfabric.agent.docker.plugin.PluginState.Endpoint;
import io.ovsfabric.agent.docker.plugin.PluginState.Network;
import io.ovsfabric.agent.docker.plugin.PluginState.Pool;
import io.ovsfabric.agent.docker.protocol.IpamService;
import io.ovsfabric.agent.docker.protocol.NetworkDriverService;
import io.ovsfabric.agent.plan.LocalEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The network driver: Docker networks map to pools of our IPAM, endpoints to addresses allocated by it, and a
 * joined endpoint is a veth pair whose host end is a tagged port of br0. The driver records what it wants (joined
 * endpoints, published ports) and has the data plane build it, waiting for the pass (so the veth exists when Join
 * answers: libnetwork moves its container end into the sandbox right after). Every call checks order and ids first
 * and changes nothing when it refuses; a call whose pass fails undoes its state change.
 */
final class FabricNetworkDriver implements NetworkDriverService {
    private static final Logger log = LoggerFactory.getLogger(FabricNetworkDriver.class);
    /** Driver option (and label) the engine sync sets on the docker networks it creates. */
    static final String NETWORK_ID_OPTION = "io.ovsfabric.network-id";
    static final String INTERFACE_PREFIX = "eth";

    private final PluginCore core;
    private final PortPublisher ports;

    FabricNetworkDriver(PluginCore core) {
        this.core = core;
        this.ports = new PortPublisher(core);
    }

    @Override
    public void createNetwork(CreateNetwork call) {
        core.lock.lock();
        try {
            if (!call.addressSpace().isEmpty() && !IpamService.ADDRESS_SPACE.equals(call.addressSpace())) {
                throw AgentException.invalid("NetworkDriver.CreateNetwork: address space '" + call.addressSpace()
                        + "' is not ovsfabric's; create the network with --ipam-driver ovsfabric");
            }
            Pool pool = core.state.current().poolForSubnet(call.pool()).orElseThrow(() -> AgentException.invalid(
                    "NetworkDriver.CreateNetwork: pool " + call.pool() + " was not handed out by the ovsfabric IPAM;"
                            + " create the network with --ipam-driver ovsfabric"));
            String wanted = call.driverOptions().getOrDefault(NETWORK_ID_OPTION, "");
            if (!wanted.isEmpty() && pool.bound() && !wanted.equals(pool.fabricNetworkId())) {
                throw AgentException.invalid("NetworkDriver.CreateNetwork: option " + NETWORK_ID_OPTION + "=" + wanted
                        + " but " + call.pool() + " is fabric network " + pool.fabricNetworkId());
            }
            if (pool.gateway() != null && !pool.gateway().equals(call.gateway())) {
                throw AgentException.invalid("NetworkDriver.CreateNetwork: gateway " + call.gateway() + " differs from"
                        + " the pool's gateway " + pool.gateway());
            }
            Network existing = core.state.current().networks().get(call.networkId());
            if (existing != null) {
                if (existing.poolId().equals(pool.poolId())) {
                    return;   // repeated call
                }
                throw AgentException.conflict("NetworkDriver.CreateNetwork: network "
                        + PluginCore.shortId(call.networkId()) + " exists already with pool " + existing.subnet());
            }
            refuseSecondName(call, pool, wanted);
            core.state.update(s -> s.withNetwork(new Network(call.networkId(), pool.poolId(), call.pool(),
                    call.gateway(), pool.fabricNetworkId())));
            log.info("docker network {} created on pool {} ({}, gateway {})", PluginCore.shortId(call.networkId()),
                    pool.poolId(), call.pool(), call.gateway());
        } finally {
            core.lock.unlock();
        }
    }

    /**
     * One fabric network has one name: a second docker network on the same pool (the subnet of a fabric network,
     * or of a network made here that is not registered yet) is refused. Only the agent's own sync creates a
     * network on a registered pool, and it names the fabric network in the driver options. Docker releases the
     * pool reference it took for this call, so nothing is left behind.
     */
    private void refuseSecondName(CreateNetwork call, Pool pool, String wanted) {
        if (pool.bound() && wanted.isEmpty()) {
            String name = core.fabric.listNetworks().stream().filter(n -> n.id().equals(pool.fabricNetworkId()))
                    .map(n -> n.name()).findFirst().orElse(pool.fabricNetworkId());
            throw AgentException.conflict("NetworkDriver.CreateNetwork: " + call.pool() + " is fabric network " + name
                    + " already, which the ovsfabric agent keeps in this engine under that name: use --network " + name
                    + ", or pick a subnet of its own for a new network");
        }
        List<Network> users = core.state.current().networks().values().stream()
                .filter(n -> n.poolId().equals(pool.poolId())).toList();
        if (!users.isEmpty()) {
            throw AgentException.conflict("NetworkDriver.CreateNetwork: " + call.pool() + " is the subnet of docker"
                    + " network " + PluginCore.shortId(users.get(0).networkId()) + " on this host already; use that"
                    + " network, or pick a subnet of its own for a new network");
        }
    }

    @Override
    public void deleteNetwork(String networkId) {
        core.lock.lock();
        try {
            Network network = network("NetworkDriver.DeleteNetwork", networkId);
            List<Endpoint> endpoints = core.state.current().endpointsOf(networkId);
            if (!endpoints.isEmpty()) {
                throw AgentException.conflict("NetworkDriver.DeleteNetwork: network " + PluginCore.shortId(networkId)
                        + " still has " + endpoints.size() + " endpoint(s); Docker deletes endpoints first");
            }
            String fabricId = network.fabricNetworkId();
            // The engine sync decides what the removal means for the fabric network (origin host or a copy).
            core.state.update(s -> fabricId.isEmpty() ? s.withoutNetwork(networkId)
                    : s.withoutNetwork(networkId).withRemovedFabricNetwork(fabricId));
            log.info("docker network {} ({}) deleted{}", PluginCore.shortId(networkId), network.subnet(),
                    fabricId.isEmpty() ? "" : " (fabric network " + fabricId + ")");
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public CreatedEndpoint createEndpoint(CreateEndpoint call) {
        core.lock.lock();
        try {
            String name = "NetworkDriver.CreateEndpoint";
            Network network = network(name, call.networkId());
            if (!network.subnet().contains(call.address()) || call.prefixLength() != network.subnet().prefixLength()) {
                throw AgentException.invalid(name + ": " + call.address() + "/" + call.prefixLength()
                        + " is not an address of the network's subnet " + network.subnet());
            }
            Endpoint existing = core.state.current().endpoints().get(call.endpointId());
            if (existing != null) {
                if (existing.networkId().equals(call.networkId()) && existing.address().equals(call.address())) {
                    return new CreatedEndpoint(call.mac().isEmpty() ? Optional.of(existing.mac()) : Optional.empty());
                }
                throw AgentException.conflict(name + ": endpoint " + PluginCore.shortId(call.endpointId())
                        + " exists already with address " + existing.address());
            }
            Allocation allocation = core.state.current().allocationAt(network.poolId(), call.address())
                    .orElseThrow(() -> AgentException.notFound(name + ": " + call.address() + " was not handed out by"
                            + " the ovsfabric IPAM on this host"));
            if (allocation.bound()) {
                throw AgentException.conflict(name + ": " + call.address() + " is used by endpoint "
                        + PluginCore.shortId(allocation.endpointId()));
            }
            MacAddress mac = call.mac().or(() -> Optional.ofNullable(allocation.mac()))
                    .orElseGet(() -> MacAddress.fromIpv4(call.address()));
            String id = call.endpointId();
            // The controller learns the MAC now (peers need it); container name and aliases follow from the sync.
            core.fabric.updateEndpoint(new NetworkEndpoint(allocation.parsedHandle().networkId(), allocation.handle(),
                    core.settings.host(), call.address(), mac.toString(), "", "", List.of()));
            Endpoint endpoint = new Endpoint(id, call.networkId(), allocation.handle(), call.address(),
                    call.prefixLength(), mac, LocalEndpoint.hostInterfaceOf(id), LocalEndpoint.containerInterfaceOf(id),
                    "", "", "", List.of(), List.of());
            core.state.update(s -> s.withEndpoint(endpoint).withAllocation(new Allocation(allocation.handle(),
                    allocation.poolId(), allocation.address(), allocation.mac(), allocation.kind(), id,
                    allocation.sinceMillis())));
            log.info("endpoint {} created in network {}: {} mac {} ({})", PluginCore.shortId(id),
                    PluginCore.shortId(call.networkId()), call.address(), mac, allocation.handle());
            return new CreatedEndpoint(call.mac().isEmpty() ? Optional.of(mac) : Optional.empty());
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public void deleteEndpoint(String networkId, String endpointId) {
        core.lock.lock();
        try {
            Endpoint endpoint = endpoint("NetworkDriver.DeleteEndpoint", networkId, endpointId);
            // Docker force-deletes the endpoints of a dead sandbox without Leave: its link goes with this pass too.
            long now = core.clock.millis();
            core.applyOrUndo("NetworkDriver.DeleteEndpoint of endpoint " + PluginCore.shortId(endpointId), s -> {
                PluginState next = s.withoutEndpoint(endpointId);
                Allocation a = s.allocations().get(endpoint.handle());
                return a == null ? next : next.withAllocation(new Allocation(a.handle(), a.poolId(), a.address(),
                        a.mac(), a.kind(), "", now));
            });
            log.info("endpoint {} deleted from network {} ({} stays held until Docker releases it)",
                    PluginCore.shortId(endpointId), PluginCore.shortId(networkId), endpoint.address());
            PortPublisher.afterRemoval(endpoint);   // a dead sandbox's endpoint is deleted without Revoke
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public Map<String, String> endpointOperInfo(String networkId, String endpointId) {
        Endpoint endpoint = endpoint("NetworkDriver.EndpointOperInfo", networkId, endpointId);
        Map<String, String> info = new LinkedHashMap<>();
        info.put("io.ovsfabric.handle", endpoint.handle());
        info.put("io.ovsfabric.host-interface", endpoint.hostInterface());
        info.put("io.ovsfabric.mac", endpoint.mac().toString());
        return info;
    }

    @Override
    public JoinedEndpoint join(Join call) {
        core.lock.lock();
        try {
            String name = "NetworkDriver.Join";
            Endpoint endpoint = endpoint(name, call.networkId(), call.endpointId());
            if (endpoint.joined() && !endpoint.sandboxKey().equals(call.sandboxKey())) {
                throw AgentException.conflict(name + ": endpoint " + PluginCore.shortId(call.endpointId())
                        + " is joined to sandbox " + endpoint.sandboxKey() + " already; Docker calls Leave first");
            }
            Network network = network(name, call.networkId());
            core.applyOrUndo(name + " of endpoint " + PluginCore.shortId(call.endpointId()),
                    s -> s.withEndpoint(endpoint.withSandbox(call.sandboxKey())));
            log.info("endpoint {} joined sandbox {} through {}", PluginCore.shortId(call.endpointId()),
                    call.sandboxKey(), endpoint.hostInterface());
            return new JoinedEndpoint(endpoint.containerInterface(), INTERFACE_PREFIX, network.gateway());
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public void leave(String networkId, String endpointId) {
        core.lock.lock();
        try {
            Endpoint endpoint = endpoint("NetworkDriver.Leave", networkId, endpointId);
            if (!endpoint.joined()) {
                throw AgentException.conflict("NetworkDriver.Leave: endpoint " + PluginCore.shortId(endpointId)
                        + " has not joined a sandbox; Docker calls Join before Leave");
            }
            core.applyOrUndo("NetworkDriver.Leave of endpoint " + PluginCore.shortId(endpointId),
                    s -> s.withEndpoint(endpoint.withSandbox("").withPublished(List.of())));
            log.info("endpoint {} left sandbox {}", PluginCore.shortId(endpointId), endpoint.sandboxKey());
            PortPublisher.afterRemoval(endpoint);   // Docker revokes first; this covers a Leave without Revoke
        } finally {
            core.lock.unlock();
        }
    }

    /** Outbound NAT is per host in the data plane; here the endpoint's published ports (-p) are forwarded to it. */
    @Override
    public void programExternalConnectivity(ExternalConnectivity call) {
        core.lock.lock();
        try {
            String name = "NetworkDriver.ProgramExternalConnectivity";
            Endpoint endpoint = endpoint(name, call.networkId(), call.endpointId());
            if (!endpoint.joined() && !call.portBindings().isEmpty()) {
                throw AgentException.conflict(name + ": endpoint " + PluginCore.shortId(call.endpointId())
                        + " has not joined a sandbox; Docker calls Join first");
            }
            ports.publish(endpoint, call.portBindings());
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public void revokeExternalConnectivity(String networkId, String endpointId) {
        core.lock.lock();
        try {
            ports.unpublish(endpoint("NetworkDriver.RevokeExternalConnectivity", networkId, endpointId));
        } finally {
            core.lock.unlock();
        }
    }

    /**
     * Records which container holds an endpoint and tells the controller (names for DNS across hosts).
     * Returns false when the endpoint is not (or no longer) ours; repeated calls with the same data do nothing.
     */
    boolean describeContainer(String endpointId, String containerId, String containerName, List<String> aliases) {
        core.lock.lock();
        try {
            Endpoint endpoint = core.state.current().endpoints().get(endpointId);
            if (endpoint == null) {
                return false;
            }
            if (endpoint.containerId().equals(containerId) && endpoint.containerName().equals(containerName)
                    && endpoint.aliases().equals(aliases)) {
                return true;
            }
            core.fabric.updateEndpoint(new NetworkEndpoint(fabricNetworkId(endpoint), endpoint.handle(), core.settings.host(),
                    endpoint.address(), endpoint.mac().toString(), containerId, containerName, aliases));
            core.state.update(s -> s.withEndpoint(endpoint.withContainer(containerId, containerName, aliases)));
            log.info("endpoint {} ({}) belongs to container {} ({})", PluginCore.shortId(endpointId),
                    endpoint.address(), containerName, PluginCore.shortId(containerId));
            return true;
        } finally {
            core.lock.unlock();
        }
    }

    /** The handle names the fabric network the endpoint's address was allocated in. */
    private static String fabricNetworkId(Endpoint endpoint) {
        return AllocationHandle.parse(endpoint.handle()).networkId();
    }

    private Network network(String call, String networkId) {
        Network network = core.state.current().networks().get(networkId);
        if (network == null) {
            throw AgentException.notFound(call + ": unknown network " + PluginCore.shortId(networkId)
                    + " (not created through the ovsfabric driver on this host, or deleted already)");
        }
        return network;
    }

    private Endpoint endpoint(String call, String networkId, String endpointId) {
        network(call, networkId);
        Endpoint endpoint = core.state.current().endpoints().get(endpointId);
        if (endpoint == null || !endpoint.networkId().equals(networkId)) {
            throw AgentException.notFound(call + ": unknown endpoint " + PluginCore.shortId(endpointId)
                    + " in network " + PluginCore.shortId(networkId) + " (CreateEndpoint comes first)");
        }
        return endpoint;
    }
}
