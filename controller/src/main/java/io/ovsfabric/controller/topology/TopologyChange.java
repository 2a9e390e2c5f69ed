package io.ovsfabric.controller.topology;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.model.EndpointRecord;
import io.ovsfabric.controller.model.HostView;
import io.ovsfabric.controller.model.NetworkRecord;

/** One change in a topology delta. */
public sealed interface TopologyChange {
    record HostUpserted(HostView host) implements TopologyChange {}

    record HostRemoved(HostId hostId) implements TopologyChange {}

    record NetworkUpserted(NetworkRecord network) implements TopologyChange {}

    record NetworkRemoved(String networkId) implements TopologyChange {}

    record EndpointUpserted(EndpointRecord endpoint) implements TopologyChange {}

    record EndpointRemoved(String networkId, String endpointId) implements TopologyChange {}
}
