package io.ovsfabric.controller.topology;

import io.ovsfabric.controller.model.EndpointRecord;
import io.ovsfabric.controller.model.FabricPlan;
import io.ovsfabric.controller.model.HostView;
import io.ovsfabric.controller.model.NetworkRecord;
import java.util.List;

/** A full snapshot or an ordered delta, and the etcd revision it brings the client to. */
public record TopologyEvent(long revision, Snapshot snapshot, List<TopologyChange> changes) {

    public TopologyEvent {
        changes = List.copyOf(changes);
    }

    public static TopologyEvent snapshot(long revision, Snapshot snapshot) {
        return new TopologyEvent(revision, snapshot, List.of());
    }

    public static TopologyEvent delta(long revision, List<TopologyChange> changes) {
        return new TopologyEvent(revision, null, changes);
    }

    public boolean isSnapshot() {
        return snapshot != null;
    }

    public record Snapshot(FabricPlan plan, List<HostView> hosts, List<NetworkRecord> networks, List<EndpointRecord> endpoints) {
        public Snapshot {
            hosts = List.copyOf(hosts);
            networks = List.copyOf(networks);
            endpoints = List.copyOf(endpoints);
        }
    }
}
