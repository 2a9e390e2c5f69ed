package io.ovsfabric.agent.docker.link;

import io.ovsfabric.agent.model.PublishedPort;
import io.ovsfabric.common.Ipv4Address;

import java.util.List;
import java.util.Optional;

/**
 * Forwards published host ports to containers on this host. Failures are
 * {@link io.ovsfabric.agent.docker.PluginException}s that say what failed.
 */
public interface PortForwarding {

    /**
     * Makes the host forward exactly {@code ports} (every port not in the list stops being forwarded). Idempotent:
     * nothing is written when the host matches already. All-or-nothing: one iptables transaction.
     */
    void sync(List<PublishedPort> ports);

    /**
     * Why the host port cannot be published, or empty when it can: a process of the host (or Docker's proxy for a
     * container on another network) holds it, or the address is not one of this host's. Ports that {@link #sync}
     * forwards are not seen here: the caller knows them.
     */
    Optional<String> hostPortProblem(PublishedPort.Protocol protocol, Ipv4Address hostIp, int port);
}
