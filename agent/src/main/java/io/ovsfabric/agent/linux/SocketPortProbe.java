package io.ovsfabric.agent.linux;

import io.ovsfabric.agent.model.PublishedPort;
import io.ovsfabric.common.Ipv4Address;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Optional;

/**
 * {@link PortProbe} that binds the port for a moment, as Docker's own proxy would: a listening socket of any process
 * (SO_REUSEADDR does not get past a listener) or an address that is not the host's makes it fail. Binds in the
 * agent's own network namespace.
 */
public final class SocketPortProbe implements PortProbe {

    @Override
    public Optional<String> problem(PublishedPort.Protocol protocol, Ipv4Address hostIp, int port) {
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
