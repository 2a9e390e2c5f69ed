package io.ovsfabric.agent.linux;

import io.ovsfabric.agent.model.PublishedPort;
import io.ovsfabric.common.Ipv4Address;
import java.util.Optional;

/** Whether a host port is free to be published: nothing on the host holds it and the address is the host's. */
@FunctionalInterface
public interface PortProbe {

    /**
     * Why the host port cannot be published, or empty when it can: a process of the host (or Docker's proxy for a
     * container on another network) holds it, or the address is not one of this host's. Ports the agent forwards
     * itself (DNAT) are not seen here: the caller knows them.
     */
    Optional<String> problem(PublishedPort.Protocol protocol, Ipv4Address hostIp, int port);
}
