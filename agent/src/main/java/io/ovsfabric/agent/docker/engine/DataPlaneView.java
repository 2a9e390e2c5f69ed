package io.ovsfabric.agent.docker.engine;

import io.ovsfabric.agent.model.AttachedPort;
import java.util.List;

/** What the Docker side reads from the data plane side for `ipam check`. */
public interface DataPlaneView {

    /** The integration bridge's endpoint ports, read from OVS now; throws when OVS cannot be read. */
    List<AttachedPort> endpointPorts();

    /**
     * The revision of the last topology this host applied (an etcd revision; 0 before the first): what the host has
     * is judged against etcd as it was then, never later, so a change after it is never mistaken for an orphan.
     */
    long appliedRevision();
}
