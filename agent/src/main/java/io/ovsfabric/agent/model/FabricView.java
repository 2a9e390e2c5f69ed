package io.ovsfabric.agent.model;

import io.ovsfabric.common.HostId;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The agent's copy of the fabric, built from the controller's snapshot and deltas: hosts, user-defined networks and
 * their endpoints. Immutable: applying an update returns a new view. Deltas at or below the view's revision are
 * ignored, so a delta replayed after a reconnect changes nothing.
 */
public record FabricView(FabricSettings fabric, Map<HostId, FabricHost> hosts, Map<String, OverlayNetwork> networks,
        Map<NetworkEndpoint.Key, NetworkEndpoint> endpoints, long revision) {

    public FabricView {
        hosts = Map.copyOf(hosts);
        networks = Map.copyOf(networks);
        endpoints = Map.copyOf(endpoints);
    }

    /** Hosts only (no user-defined networks known). */
    public FabricView(FabricSettings fabric, Map<HostId, FabricHost> hosts, long revision) {
        this(fabric, hosts, Map.of(), Map.of(), revision);
    }

    public static FabricView of(TopologyUpdate.Snapshot snapshot) {
        Map<HostId, FabricHost> hosts = new TreeMap<>();
        snapshot.hosts().forEach(h -> hosts.put(h.id(), h));
        Map<String, OverlayNetwork> networks = new TreeMap<>();
        snapshot.networks().forEach(n -> networks.put(n.id(), n));
        Map<NetworkEndpoint.Key, NetworkEndpoint> endpoints = new TreeMap<>();
        snapshot.endpoints().forEach(e -> endpoints.put(e.key(), e));
        return new FabricView(snapshot.fabric(), hosts, networks, endpoints, snapshot.revision());
    }

    /** Applies an update; a snapshot replaces the view, a stale delta is ignored. */
    public FabricView apply(TopologyUpdate update) {
        if (update instanceof TopologyUpdate.Snapshot snapshot) {
            return of(snapshot);
        }
        return applyDelta((TopologyUpdate.Delta) update);
    }

    private FabricView applyDelta(TopologyUpdate.Delta delta) {
        if (delta.revision() <= revision) {
            return this;
        }
        Map<HostId, FabricHost> nextHosts = new TreeMap<>(hosts);
        Map<String, OverlayNetwork> nextNetworks = new TreeMap<>(networks);
        Map<NetworkEndpoint.Key, NetworkEndpoint> nextEndpoints = new TreeMap<>(endpoints);
        for (TopologyUpdate.HostChange change : delta.changes()) {
            if (change instanceof TopologyUpdate.HostUpserted upserted) {
                nextHosts.put(upserted.host().id(), upserted.host());
            } else if (change instanceof TopologyUpdate.HostRemoved removed) {
                nextHosts.remove(removed.id());
            } else if (change instanceof TopologyUpdate.NetworkUpserted upserted) {
                nextNetworks.put(upserted.network().id(), upserted.network());
            } else if (change instanceof TopologyUpdate.NetworkRemoved removed) {
                nextNetworks.remove(removed.networkId());
                nextEndpoints.keySet().removeIf(k -> k.networkId().equals(removed.networkId()));
            } else if (change instanceof TopologyUpdate.EndpointUpserted upserted) {
                nextEndpoints.put(upserted.endpoint().key(), upserted.endpoint());
            } else if (change instanceof TopologyUpdate.EndpointRemoved removed) {
                nextEndpoints.remove(removed.key());
            }
        }
        return new FabricView(fabric, nextHosts, nextNetworks, nextEndpoints, delta.revision());
    }

    public Collection<FabricHost> hostList() {
        return hosts.values();
    }

    /**
     * The data plane's input: this host plus every peer it forwards to (UP, or DOWN after a lease expiry; never
     * itself, never one that left or is only reserved), every network, and every endpoint of a known network.
     */
    public Topology topology(LocalHost self) {
        List<PeerHost> peers = hosts.values().stream()
                .filter(FabricHost::tunnelled)
                .filter(h -> !h.id().equals(self.id()))
                .filter(h -> !h.underlayIp().equals(self.underlayIp()))
                .map(h -> new PeerHost(h.id(), h.underlayIp(), h.subnet()))
                .toList();
        List<NetworkEndpoint> known = endpoints.values().stream()
                .filter(e -> networks.containsKey(e.networkId()))
                .toList();
        return new Topology(fabric, self, peers, List.copyOf(networks.values()), known, revision);
    }
}
