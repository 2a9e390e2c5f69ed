package io.ovsfabric.agent.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ovsfabric.agent.model.LocalHost;
import io.ovsfabric.agent.model.PeerHost;
import io.ovsfabric.agent.model.Topology;
import io.ovsfabric.agent.plan.Topologies;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.testing.Poll;
import java.net.DatagramSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two real probers on real UDP sockets, on two loopback addresses (127.0.1.1 and 127.0.2.1 play the docker0
 * gateways; no root needed): they answer each other, a stopped peer turns broken, a restarted one healthy again.
 */
class UdpTunnelProbeTest {
    private static final Cidr A = Cidr.parse("127.0.1.0/24");
    private static final Cidr B = Cidr.parse("127.0.2.0/24");

    private static Topology topology(String self, Cidr own, String peer, Cidr theirs) {
        return new Topology(Topologies.fabric(), new LocalHost(HostId.of(self), Ipv4Address.parse("192.0.2.1"), own,
                own.firstUsable(), 1458), List.of(new PeerHost(HostId.of(peer), Ipv4Address.parse("192.0.2.2"), theirs)), 1);
    }

    private static int freePort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static TunnelState state(TunnelProber p) {
        return p.statuses().get(0).state();
    }

    @Test
    void probesAndAnswersOverRealSockets() throws Exception {
        ProbeSettings settings = new ProbeSettings(freePort(), Duration.ofMillis(200), 3, 60, Duration.ofSeconds(10));
        try (TunnelProber a = new TunnelProber(HostId.of("a"), settings, new UdpProbeTransport(), Clock.systemUTC(), System::nanoTime)) {
            a.accept(topology("a", A, "b", B));
            a.start();
            TunnelProber b = new TunnelProber(HostId.of("b"), settings, new UdpProbeTransport(), Clock.systemUTC(), System::nanoTime);
            b.accept(topology("b", B, "a", A));
            b.start();
            Poll.until("a and b answer each other", Duration.ofSeconds(20),
                    () -> state(a) == TunnelState.HEALTHY && state(b) == TunnelState.HEALTHY);
            assertEquals(Ipv4Address.parse("127.0.2.1"), a.statuses().get(0).address());
            b.close();
            Poll.until("a sees b broken once b stops answering", Duration.ofSeconds(20), () -> state(a) == TunnelState.BROKEN);
            try (TunnelProber again = new TunnelProber(HostId.of("b"), settings, new UdpProbeTransport(), Clock.systemUTC(),
                    System::nanoTime)) {
                again.accept(topology("b", B, "a", A));
                again.start();
                Poll.until("a sees b healthy at its first answer", Duration.ofSeconds(20), () -> state(a) == TunnelState.HEALTHY);
            }
        }
    }
}
