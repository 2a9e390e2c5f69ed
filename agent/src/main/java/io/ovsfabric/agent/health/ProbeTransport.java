package io.ovsfabric.agent.health;

import io.ovsfabric.common.Ipv4Address;
import java.time.Duration;
import java.util.Optional;

/**
 * Datagrams between this host's docker0 gateway and its peers' (the real one is {@link UdpProbeTransport}; tests use
 * an in-memory one). Failures are {@link java.io.UncheckedIOException}s.
 */
public interface ProbeTransport extends AutoCloseable {
    /** A datagram received: who sent it (address and port) and its bytes. */
    record Datagram(Ipv4Address from, int port, byte[] data, int length) {}

    /**
     * Listens and sends from {@code local:port}. Idempotent for the same address; another address closes the old
     * socket first (the host's gateway moved). Fails while the address is not on the host (docker0 not set up yet).
     */
    void bind(Ipv4Address local, int port);

    /** The address bound to, if any. */
    Optional<Ipv4Address> bound();

    /** Sends one datagram from the bound address; fails when not bound. */
    void send(Ipv4Address to, int port, byte[] data);

    /** Waits up to {@code timeout} for one datagram; empty on timeout, when not bound or once closed. */
    Optional<Datagram> receive(Duration timeout);

    @Override
    void close();
}
