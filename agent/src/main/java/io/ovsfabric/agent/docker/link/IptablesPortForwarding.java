package io.ovsfabric.agent.docker.link;

import io.ovsfabric.agent.docker.PluginException;
import io.ovsfabric.agent.linux.PacketFilter;
import io.ovsfabric.agent.model.PublishedPort;
import io.ovsfabric.agent.plan.DataPlaneException;
import io.ovsfabric.agent.plan.PortForwardingPlanner;
import io.ovsfabric.common.Ipv4Address;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Optional;

/**
 * {@link PortForwarding} with DNAT rules in the agent's nat chain (iptables-save to compare, iptables-restore
 * --noflush to write; {@link PortForwardingPlanner} says what), and a bind test for ports held on the host.
 */
public final class IptablesPortForwarding implements PortForwarding {
    private static final Logger log = LoggerFactory.getLogger(IptablesPortForwarding.class);

    private final PacketFilter filter;

    public IptablesPortForwarding(PacketFilter filter) {
        this.filter = filter;
    }

    @Override
    public void sync(List<PublishedPort> ports) {
        try {
            Optional<String> script = PortForwardingPlanner.script(ports, filter.observe());
            if (script.isPresent()) {
                filter.restore(script.get());
                log.info("nat {} now forwards {} published port(s)", PortForwardingPlanner.CHAIN, ports.size());
            }
        } catch (DataPlaneException e) {
            throw PluginException.failed("cannot write the published-port rules (nat " + PortForwardingPlanner.CHAIN
                    + "): " + e.getMessage() + "; check that iptables works on this host", e);
        }
    }

    /**
     * Binds the port for a moment, as Docker's own proxy would: a listening socket of any process (SO_REUSEADDR does
     * not get past a listener) or an address that is not the host's makes it fail.
     */
    @Override
    public Optional<String> hostPortProblem(PublishedPort.Protocol protocol, Ipv4Address hostIp, int port) {
        InetSocketAddress at;
        try {
            at = new InetSocketAddress(InetAddress.getByAddress(hostIp.toBytes()), port);
        } catch (IOException e) {
            return Optional.of(hostIp + " is not an address: " + e.getMessage());
        }
        try {
            if (protocol == PublishedPort.Protocol.TCP) {
                try (ServerSocket socket = new ServerSocket()) {
                    socket.bind(at);
                }
            } else {
                try (DatagramSocket socket = new DatagramSocket(null)) {
                    socket.bind(at);
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            String why = String.valueOf(e.getMessage());
            if (why.contains("assign requested address")) {
                return Optional.of(hostIp + " is not an address of this host");
            }
            return Optional.of(protocol.label() + " " + hostIp + ":" + port + " is in use on this host (" + why
                    + "): a host process, or Docker's proxy for a container on another network, holds it");
        }
    }
}
