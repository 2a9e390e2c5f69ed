package io.ovsfabric.agent.model;

import io.ovsfabric.common.HostId;
import java.util.List;

/** What the controller's topology stream delivers, already translated out of protobuf. */
public sealed interface TopologyUpdate {

    /** The etcd revision this update brings the agent to. */
    long revision();

    /** The whole fabric: replaces everything known before. */
    record Snapshot(FabricSettings fabric, List<FabricHost> hosts, List<OverlayNetwork> networks,
            List<NetworkEndpoint> endpoints, long revision) implements TopologyUpdate {
        public Snapshot {
            hosts = List.copyOf(hosts);
            networks = List.copyOf(networks);
            endpoints = List.copyOf(endpoints);
        }

        /** Hosts only (no user-defined networks). */
        public Snapshot(FabricSettings fabric, List<FabricHost> hosts, long revision) {
            this(fabric, hosts, List.of(), List.of(), revision);
        }
    }

    /** Ordered changes after the previous update. */
    record Delta(List<HostChange> changes, long revision) implements TopologyUpdate {
        public Delta {
            changes = List.copyOf(changes);
        }
    }

    /** One change of a delta (hosts, networks or endpoints; the name predates networks). */
    sealed interface HostChange {}

    /** A new host, or a new state or underlay address of a known one. */
    record HostUpserted(FabricHost host) implements HostChange {}

    /** The host's record (and subnet) was released. */
    record HostRemoved(HostId id) implements HostChange {}

    /** A new network, or new fields of a known one. */
    record NetworkUpserted(OverlayNetwork network) implements HostChange {}

    /** The network was deleted (its endpoints go with it). */
    record NetworkRemoved(String networkId) implements HostChange {}

    /** A new endpoint, or new fields (MAC, container) of a known one. */
    record EndpointUpserted(NetworkEndpoint endpoint) implements HostChange {}

    /** The endpoint's address was released. */
    record EndpointRemoved(NetworkEndpoint.Key key) implements HostChange {}
}
