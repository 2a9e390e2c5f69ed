package io.ovsfabric.agent.docker.engine;

import io.ovsfabric.agent.model.AttachedPort;
import java.util.List;

/** The Docker side's view of the data plane side: what `ipam check` reads, and a way to ask for a pass. */
public interface DataPlaneView {

    /** The integration bridge's endpoint ports, read from OVS now; throws when OVS cannot be read. */
    List<AttachedPort> endpointPorts();

    /**
     * The revision of the last topology this host applied (an etcd revision; 0 before the first): what the host has
     * is judged against etcd as it was then, never later, so a change after it is never mistaken for an orphan.
     */
    long appliedRevision();

    /** Asks for a data plane pass soon: dockerd restarted and put its own iptables rules in front of ours. */
    void requestReconcile();
}
