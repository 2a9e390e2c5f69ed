package io.ovsfabric.agent.health;

import io.ovsfabric.common.Ipv4Address;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Optional;

/**
 * {@link ProbeTransport} on a UDP socket bound to the docker0 gateway address (never to the underlay, nor to
 * 0.0.0.0): the kernel routes the fabric's /16 through docker0, so a datagram to a peer's gateway leaves by docker0,
 * crosses br0 and the GRE tunnel, and the answer comes back the same way.
 */
public final class UdpProbeTransport implements ProbeTransport {
    private final Object lock = new Object();
    private volatile DatagramSocket socket;   // guarded by lock for changes
    private volatile Ipv4Address local;
    private volatile boolean closed;

    @Override
    public void bind(Ipv4Address address, int port) {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the probe transport is closed");
            }
            if (socket != null && address.equals(local) && socket.getLocalPort() == port) {
                return;
            }
            closeSocket();
            try {
                DatagramSocket s = new DatagramSocket(null);
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getByAddress(address.toBytes()), port));
                socket = s;
                local = address;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot listen for tunnel probes on UDP " + address + ":" + port + " ("
                        + e.getMessage() + ")", e);
            }
        }
    }

    @Override
    public Optional<Ipv4Address> bound() {
        return socket == null ? Optional.empty() : Optional.ofNullable(local);
    }

    @Override
    public void send(Ipv4Address to, int port, byte[] data) {
        DatagramSocket s = socket;
        if (s == null) {
            throw new UncheckedIOException(new IOException("not bound: no tunnel probe socket"));
        }
        try {
            s.send(new DatagramPacket(data, data.length, InetAddress.getByAddress(to.toBytes()), port));
        } catch (IOException e) {
            throw new UncheckedIOException("probe to " + to + ":" + port + " not sent (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public Optional<Datagram> receive(Duration timeout) {
        DatagramSocket s = socket;
        if (s == null) {
            sleep(timeout);
            return Optional.empty();
        }
        byte[] buf = new byte[ProbePacket.MAX_BYTES + 1];
        DatagramPacket packet = new DatagramPacket(buf, buf.length);
        try {
            s.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            s.receive(packet);
        } catch (SocketTimeoutException e) {
            return Optional.empty();
        } catch (IOException e) {
            if (s.isClosed()) {
                return Optional.empty();   // closed or rebound meanwhile
            }
            throw new UncheckedIOException("receiving tunnel probes on " + local + " failed (" + e.getMessage() + ")", e);
        }
        byte[] from = packet.getAddress().getAddress();
        if (from.length != 4) {
            return Optional.empty();
        }
        int bits = ((from[0] & 0xff) << 24) | ((from[1] & 0xff) << 16) | ((from[2] & 0xff) << 8) | (from[3] & 0xff);
        return Optional.of(new Datagram(new Ipv4Address(bits), packet.getPort(), buf, packet.getLength()));
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            closeSocket();
        }
    }

    private void closeSocket() {
        if (socket != null) {
            socket.close();
            socket = null;
            local = null;
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
