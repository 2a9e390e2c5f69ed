package io.ovsfabric.agent.docker.plugin;

import io.ovsfabric.agent.docker.MacAddress;
import io.ovsfabric.agent.model.AllocationHandle;
import io.ovsfabric.agent.model.PublishedPort;
import io.ovsfabric.agent.plan.LocalEndpoint;
import io.ovsfabric.agent.plan.LocalEndpoints;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Everything the plugin must remember across agent restarts, as one immutable value: IPAM pools, Docker networks,
 * address allocations and endpoints. Changes make a new value; {@link StateHolder} persists it before it is used.
 */
public record PluginState(int version, Map<String, Pool> pools, Map<String, Network> networks,
        Map<String, Allocation> allocations, Map<String, Endpoint> endpoints, Set<String> removedFabricNetworks) {

    public static final int VERSION = 1;

    public PluginState {
        pools = Map.copyOf(pools);
        networks = Map.copyOf(networks);
        allocations = Map.copyOf(allocations);
        endpoints = Map.copyOf(endpoints);
        // absent in files written before docker network rm was followed up (read as null)
        removedFabricNetworks = removedFabricNetworks == null ? Set.of() : Set.copyOf(removedFabricNetworks);
    }

    public PluginState(int version, Map<String, Pool> pools, Map<String, Network> networks,
            Map<String, Allocation> allocations, Map<String, Endpoint> endpoints) {
        this(version, pools, networks, allocations, endpoints, Set.of());
    }

    public static PluginState empty() {
        return new PluginState(VERSION, Map.of(), Map.of(), Map.of(), Map.of(), Set.of());
    }

    /**
     * An IPAM pool: one fabric network's subnet. {@code fabricNetworkId} is empty while the network exists only
     * in this host's Docker (created with docker network create, not yet registered with the controller).
     * {@code gateway} is null until known. {@code references} counts RequestPool calls not yet released.
     */
    public record Pool(String poolId, Cidr subnet, String fabricNetworkId, Ipv4Address gateway, int references) {
        public boolean bound() {
            return !fabricNetworkId.isEmpty();
        }
    }

    /**
     * A Docker network of our driver and the pool it uses. {@code fabricNetworkId} is the fabric network it is a copy
     * or the origin of ("" while its pool is not registered); it outlives the pool, which Docker 20.10 releases
     * before it deletes the network.
     */
    public record Network(String networkId, String poolId, Cidr subnet, Ipv4Address gateway, String fabricNetworkId) {
        public Network {
            fabricNetworkId = fabricNetworkId == null ? "" : fabricNetworkId;   // absent in older state files
        }

        public Network(String networkId, String poolId, Cidr subnet, Ipv4Address gateway) {
            this(networkId, poolId, subnet, gateway, "");
        }

        public Network withFabricNetworkId(String id) {
            return new Network(networkId, poolId, subnet, gateway, id);
        }
    }

    public enum AllocationKind {
        /** An endpoint's address (libnetwork sent the endpoint's MAC). */
        ENDPOINT,
        /** Any other address reserved in the pool (e.g. --aux-address); released only by Docker. */
        RESERVED
    }

    /**
     * An address held in the controller under {@code handle}. {@code address} is null while the allocation is only
     * an intent (written before the controller call, so a crash in between can be cleaned up). {@code endpointId}
     * is empty until CreateEndpoint binds it. {@code sinceMillis} is when it was allocated or last unbound.
     */
    public record Allocation(String handle, String poolId, Ipv4Address address, MacAddress mac, AllocationKind kind,
            String endpointId, long sinceMillis) {
        public AllocationHandle parsedHandle() {
            return AllocationHandle.parse(handle);
        }

        public boolean intent() {
            return address == null;
        }

        public boolean bound() {
            return !endpointId.isEmpty();
        }
    }

    /**
     * A Docker endpoint: its address (held by {@code handle}), its veth pair, and the sandbox it joined (empty when
     * not joined). Container fields are filled by the engine sync once the container is known. {@code published}
     * are the host ports forwarded to it (ProgramExternalConnectivity), with the host ports chosen for it.
     */
    public record Endpoint(String endpointId, String networkId, String handle, Ipv4Address address, int prefixLength,
            MacAddress mac, String hostInterface, String containerInterface, String sandboxKey, String containerId,
            String containerName, List<String> aliases, List<PublishedPort> published) {
        public Endpoint {
            aliases = List.copyOf(aliases);
            published = published == null ? List.of() : List.copyOf(published);   // state files of older agents
        }

        public boolean joined() {
            return !sandboxKey.isEmpty();
        }

        public Endpoint withSandbox(String key) {
            return new Endpoint(endpointId, networkId, handle, address, prefixLength, mac, hostInterface,
                    containerInterface, key, containerId, containerName, aliases, published);
        }

        public Endpoint withContainer(String id, String name, List<String> newAliases) {
            return new Endpoint(endpointId, networkId, handle, address, prefixLength, mac, hostInterface,
                    containerInterface, sandboxKey, id, name, newAliases, published);
        }

        public Endpoint withPublished(List<PublishedPort> ports) {
            return new Endpoint(endpointId, networkId, handle, address, prefixLength, mac, hostInterface,
                    containerInterface, sandboxKey, containerId, containerName, aliases, ports);
        }
    }

    public Optional<Pool> poolForSubnet(Cidr subnet) {
        return pools.values().stream().filter(p -> p.subnet().equals(subnet)).findFirst();
    }

    public Optional<Allocation> allocationAt(String poolId, Ipv4Address address) {
        return allocations.values().stream()
                .filter(a -> a.poolId().equals(poolId) && address.equals(a.address())).findFirst();
    }

    public List<Endpoint> endpointsOf(String networkId) {
        return endpoints.values().stream().filter(e -> e.networkId().equals(networkId)).toList();
    }

    /** Every published port of this host's endpoints, in a stable order (protocol, host port, host address). */
    public List<PublishedPort> publishedPorts() {
        return endpoints.values().stream().flatMap(e -> e.published().stream())
                .sorted(Comparator.comparing(PublishedPort::protocol).thenComparingInt(PublishedPort::hostPort)
                        .thenComparing(PublishedPort::hostIp).thenComparing(PublishedPort::endpointId))
                .toList();
    }

    /** The data plane's input: every endpoint joined to a sandbox (a veth pair and a br0 port) and the published ports. */
    public LocalEndpoints localEndpoints() {
        List<LocalEndpoint> joined = endpoints.values().stream().filter(Endpoint::joined)
                .sorted(Comparator.comparing(Endpoint::hostInterface))
                .map(e -> new LocalEndpoint(e.hostInterface(), e.containerInterface(), e.mac().toString(),
                        AllocationHandle.parse(e.handle()).networkId(), e.handle(), e.networkId(), e.endpointId()))
                .toList();
        return new LocalEndpoints(joined, publishedPorts());
    }

    public PluginState withPool(Pool pool) {
        return edit(s -> s.pools.put(pool.poolId(), pool));
    }

    public PluginState withoutPool(String poolId) {
        return edit(s -> s.pools.remove(poolId));
    }

    public PluginState withNetwork(Network network) {
        return edit(s -> s.networks.put(network.networkId(), network));
    }

    public PluginState withoutNetwork(String networkId) {
        return edit(s -> s.networks.remove(networkId));
    }

    /** Remembers that a docker network of fabric network {@code id} was removed here (see EngineSync). */
    public PluginState withRemovedFabricNetwork(String id) {
        Set<String> next = new java.util.HashSet<>(removedFabricNetworks);
        next.add(id);
        return new PluginState(version, pools, networks, allocations, endpoints, next);
    }

    public PluginState withoutRemovedFabricNetwork(String id) {
        Set<String> next = new java.util.HashSet<>(removedFabricNetworks);
        next.remove(id);
        return new PluginState(version, pools, networks, allocations, endpoints, next);
    }

    public PluginState withAllocation(Allocation allocation) {
        return edit(s -> s.allocations.put(allocation.handle(), allocation));
    }

    public PluginState withoutAllocation(String handle) {
        return edit(s -> s.allocations.remove(handle));
    }

    public PluginState withEndpoint(Endpoint endpoint) {
        return edit(s -> s.endpoints.put(endpoint.endpointId(), endpoint));
    }

    public PluginState withoutEndpoint(String endpointId) {
        return edit(s -> s.endpoints.remove(endpointId));
    }

    private PluginState edit(Consumer<Mutable> change) {
        Mutable m = new Mutable(new LinkedHashMap<>(pools), new LinkedHashMap<>(networks),
                new LinkedHashMap<>(allocations), new LinkedHashMap<>(endpoints));
        change.accept(m);
        return new PluginState(version, m.pools, m.networks, m.allocations, m.endpoints, removedFabricNetworks);
    }

    private record Mutable(Map<String, Pool> pools, Map<String, Network> networks, Map<String, Allocation> allocations,
            Map<String, Endpoint> endpoints) {}
}
