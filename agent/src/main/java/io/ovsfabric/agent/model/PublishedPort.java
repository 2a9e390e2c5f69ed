package io.ovsfabric.agent.model;

import io.ovsfabric.common.Ipv4Address;
import java.util.Locale;
import java.util.Objects;

/**
 * One published port of a container on a user network ({@code docker run -p}): traffic to {@code hostIp:hostPort} on
 * this host goes to {@code containerIp:containerPort}. {@link #ANY} as host address means every address of the host.
 *
 * @param endpointId the Docker endpoint that asked for it (the rule is revoked with it)
 */
public record PublishedPort(Protocol protocol, Ipv4Address hostIp, int hostPort, Ipv4Address containerIp,
        int containerPort, String endpointId) {

    /** 0.0.0.0: all addresses of the host, what {@code -p 8080:80} without an address means. */
    public static final Ipv4Address ANY = Ipv4Address.parse("0.0.0.0");

    /** The transport protocols a port can be published for, with libnetwork's numbers (IP protocol numbers). */
    public enum Protocol {
        TCP(6), UDP(17);

        private final int number;

        Protocol(int number) {
            this.number = number;
        }

        public int number() {
            return number;
        }

        /** "tcp" / "udp", as iptables and docker write it. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public PublishedPort {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(hostIp, "hostIp");
        Objects.requireNonNull(containerIp, "containerIp");
        Objects.requireNonNull(endpointId, "endpointId");
        if (hostPort < 1 || hostPort > 65535 || containerPort < 1 || containerPort > 65535) {
            throw new IllegalArgumentException("ports must be 1-65535: " + hostPort + " -> " + containerPort);
        }
    }

    public boolean allAddresses() {
        return ANY.equals(hostIp);
    }

    /** Whether both would catch the same packets: same protocol and host port, and overlapping host addresses. */
    public boolean clashes(Protocol otherProtocol, Ipv4Address otherHostIp, int otherHostPort) {
        return protocol == otherProtocol && hostPort == otherHostPort
                && (allAddresses() || ANY.equals(otherHostIp) || hostIp.equals(otherHostIp));
    }

    @Override
    public String toString() {
        return protocol.label() + " " + hostIp + ":" + hostPort + " -> " + containerIp + ":" + containerPort;
    }
}
