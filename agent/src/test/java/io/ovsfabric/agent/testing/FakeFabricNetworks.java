package io.ovsfabric.agent.testing;

import io.ovsfabric.agent.rpc.FabricNetworks;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.model.AddressLease;
import io.ovsfabric.agent.model.AllocationHandle;
import io.ovsfabric.agent.model.HostInventory;
import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.model.NetworkSpec;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.TunnelKey;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * In-memory controller: networks and a collision-free allocator (lowest free address; network, gateway and
 * broadcast addresses are never handed out). Can be told to fail the next call of an operation. Fails as the real
 * client does, with {@link AgentException}s.
 */
public final class FakeFabricNetworks implements FabricNetworks {
    private final Map<String, OverlayNetwork> networks = new LinkedHashMap<>();
    private final Map<String, Map<String, NetworkEndpoint>> endpoints = new HashMap<>();
    private final Map<String, AgentException.Code> failNext = new HashMap<>();
    private final Map<String, Integer> calls = new HashMap<>();
    private final Map<HostId, HostInventory> reports = new HashMap<>();
    private int nextNetwork = 1;
    private boolean loseNextAllocationAnswer;

    public synchronized void failNext(String operation, AgentException.Code kind) {
        failNext.put(operation, kind);
    }

    /** The next allocation is made, then fails UNAVAILABLE: applied by etcd, its answer lost on the way. */
    public synchronized void loseNextAllocationAnswer() {
        loseNextAllocationAnswer = true;
    }

    public synchronized int calls(String operation) {
        return calls.getOrDefault(operation, 0);
    }

    public synchronized List<NetworkEndpoint> endpoints() {
        List<NetworkEndpoint> all = new ArrayList<>();
        endpoints.values().forEach(m -> all.addAll(m.values()));
        return all;
    }

    /** What ovsfabricctl network rm --force does: the network and its endpoints go. */
    public synchronized void forceDelete(String id) {
        networks.remove(id);
        endpoints.remove(id);
    }

    @Override
    public synchronized void deleteNetwork(String id) {
        enter("deleteNetwork");
        Map<String, NetworkEndpoint> held = endpoints.getOrDefault(id, Map.of());
        if (!held.isEmpty()) {
            throw failure(AgentException.Code.CONFLICT, "fake controller: network " + id + " still has " + held.size()
                    + " endpoint(s)");
        }
        networks.remove(id);
        endpoints.remove(id);
    }

    @Override
    public synchronized List<OverlayNetwork> listNetworks() {
        enter("listNetworks");
        return List.copyOf(networks.values());
    }

    @Override
    public synchronized OverlayNetwork createNetwork(NetworkSpec spec) {
        enter("createNetwork");
        for (OverlayNetwork n : networks.values()) {
            if (n.name().equals(spec.name()) && n.subnet().equals(spec.subnet())) {
                return n;
            }
            if (n.name().equals(spec.name()) || n.subnet().overlaps(spec.subnet())) {
                throw failure(AgentException.Code.CONFLICT, "fake controller: " + spec.name() + " " + spec.subnet()
                        + " clashes with " + n.name() + " " + n.subnet());
            }
        }
        String id = String.format("fn%04d", nextNetwork++);
        OverlayNetwork network = new OverlayNetwork(id, spec.name(), spec.subnet(),
                spec.gateway().orElse(spec.subnet().firstUsable()), TunnelKey.of(1000 + nextNetwork), spec.labels());
        networks.put(id, network);
        endpoints.put(id, new LinkedHashMap<>());
        return network;
    }

    @Override
    public synchronized AddressLease allocateAddress(String networkId, AllocationHandle handle,
            Optional<Ipv4Address> preferred) {
        enter("allocateAddress");
        OverlayNetwork network = network(networkId);
        Map<String, NetworkEndpoint> held = endpoints.get(networkId);
        NetworkEndpoint existing = held.get(handle.toString());
        if (existing != null) {
            return lease(network, handle, existing.address());
        }
        Ipv4Address address;
        if (preferred.isPresent()) {
            address = preferred.get();
            if (taken(network, held, address)) {
                throw failure(AgentException.Code.CONFLICT, "fake controller: " + address + " is taken in " + network.name());
            }
        } else {
            address = null;
            for (long i = 1; i < network.subnet().size() - 1; i++) {
                Ipv4Address candidate = network.subnet().address(i);
                if (!taken(network, held, candidate)) {
                    address = candidate;
                    break;
                }
            }
            if (address == null) {
                throw failure(AgentException.Code.CONFLICT, "fake controller: network " + network.name() + " is full");
            }
        }
        held.put(handle.toString(), new NetworkEndpoint(networkId, handle.toString(), handle.host(), address,
                "", "", "", List.of()));
        if (loseNextAllocationAnswer) {
            loseNextAllocationAnswer = false;
            throw failure(AgentException.Code.UNAVAILABLE, "fake controller: allocated " + address + ", answer lost");
        }
        return lease(network, handle, address);
    }

    @Override
    public synchronized void releaseAddress(String networkId, AllocationHandle handle) {
        enter("releaseAddress");
        Map<String, NetworkEndpoint> held = endpoints.get(networkId);
        if (held != null) {
            held.remove(handle.toString());
        }
    }

    @Override
    public synchronized void updateEndpoint(NetworkEndpoint endpoint) {
        enter("updateEndpoint");
        Map<String, NetworkEndpoint> held = endpoints.get(endpoint.networkId());
        NetworkEndpoint existing = held == null ? null : held.get(endpoint.endpointId());
        if (existing == null) {
            throw failure(AgentException.Code.NOT_FOUND, "fake controller: no endpoint " + endpoint.endpointId());
        }
        if (!existing.address().equals(endpoint.address())) {
            throw failure(AgentException.Code.INVALID, "fake controller: endpoint " + endpoint.endpointId() + " holds "
                    + existing.address() + ", not " + endpoint.address());
        }
        held.put(endpoint.endpointId(), endpoint);
    }

    @Override
    public synchronized List<NetworkEndpoint> listEndpoints(Optional<HostId> host) {
        enter("listEndpoints");
        return endpoints().stream().filter(e -> host.isEmpty() || e.host().equals(host.get())).toList();
    }

    private static boolean taken(OverlayNetwork network, Map<String, NetworkEndpoint> held, Ipv4Address address) {
        return address.equals(network.gateway()) || address.equals(network.subnet().network())
                || address.equals(network.subnet().broadcast())
                || held.values().stream().anyMatch(e -> e.address().equals(address));
    }

    private static AddressLease lease(OverlayNetwork network, AllocationHandle handle, Ipv4Address address) {
        return new AddressLease(network.id(), handle, address, network.subnet().prefixLength(), network.gateway());
    }

    private OverlayNetwork network(String id) {
        OverlayNetwork network = networks.get(id);
        if (network == null) {
            throw failure(AgentException.Code.NOT_FOUND, "fake controller: no network " + id);
        }
        return network;
    }

    private void enter(String operation) {
        calls.merge(operation, 1, Integer::sum);
        AgentException.Code kind = failNext.remove(operation);
        if (kind != null) {
            throw failure(kind, "fake controller: injected failure of " + operation);
        }
    }

    private static AgentException failure(AgentException.Code kind, String message) {
        return new AgentException(kind, message, null);
    }

    @Override
    public synchronized void reportInventory(HostId host, HostInventory inventory) {
        enter("reportInventory");
        reports.put(host, inventory);
    }

    /** The last report of a host, if any. */
    public synchronized Optional<HostInventory> lastReport(HostId host) {
        return Optional.ofNullable(reports.get(host));
    }
}
