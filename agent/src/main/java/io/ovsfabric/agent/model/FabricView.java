package io.ovsfabric.agent.model;

import io.ovsfabric.common.HostId;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The agent's copy of the fabric, built from the controller's snapshot and deltas. Immutable: applying an update
 * returns a new view. Deltas at or below the view's revision are ignored, so a delta replayed after a reconnect
 * changes nothing.
 */
public record FabricView(FabricSettings fabric, Map<HostId, FabricHost> hosts, long revision) {

    public FabricView {
        hosts = Map.copyOf(hosts);
    }

    public static FabricView of(TopologyUpdate.Snapshot snapshot) {
        Map<HostId, FabricHost> hosts = new TreeMap<>();
        snapshot.hosts().forEach(h -> hosts.put(h.id(), h));
        return new FabricView(snapshot.fabric(), hosts, snapshot.revision());
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
        Map<HostId, FabricHost> next = new TreeMap<>(hosts);
        for (TopologyUpdate.HostChange change : delta.changes()) {
            if (change instanceof TopologyUpdate.HostUpserted upserted) {
                next.put(upserted.host().id(), upserted.host());
            } else if (change instanceof TopologyUpdate.HostRemoved removed) {
                next.remove(removed.id());
            }
        }
        return new FabricView(fabric, next, delta.revision());
    }

    public Collection<FabricHost> hostList() {
        return hosts.values();
    }

    /** The data plane's input: this host plus every live peer (never itself, never a DOWN or RESERVED host). */
    public Topology topology(LocalHost self) {
        List<PeerHost> peers = hosts.values().stream()
                .filter(FabricHost::up)
                .filter(h -> !h.id().equals(self.id()))
                .filter(h -> !h.underlayIp().equals(self.underlayIp()))
                .map(h -> new PeerHost(h.id(), h.underlayIp(), h.subnet()))
                .toList();
        return new Topology(fabric, self, peers, revision);
    }
}
