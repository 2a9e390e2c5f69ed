package io.ovsfabric.agent.model;

import io.ovsfabric.common.HostId;
import java.util.List;

/** What the controller's topology stream delivers, already translated out of protobuf. */
public sealed interface TopologyUpdate {

    /** The etcd revision this update brings the agent to. */
    long revision();

    /** The whole fabric: replaces everything known before. */
    record Snapshot(FabricSettings fabric, List<FabricHost> hosts, long revision) implements TopologyUpdate {
        public Snapshot {
            hosts = List.copyOf(hosts);
        }
    }

    /** Ordered changes after the previous update. */
    record Delta(List<HostChange> changes, long revision) implements TopologyUpdate {
        public Delta {
            changes = List.copyOf(changes);
        }
    }

    sealed interface HostChange {}

    /** A new host, or a new state or underlay address of a known one. */
    record HostUpserted(FabricHost host) implements HostChange {}

    /** The host's record (and subnet) was released. */
    record HostRemoved(HostId id) implements HostChange {}
}
