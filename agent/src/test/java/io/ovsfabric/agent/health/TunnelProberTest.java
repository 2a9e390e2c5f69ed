package io.ovsfabric.agent.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.plan.Topologies;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Two and three probers on an in-memory network that can cut a host off, on a manual clock. */
class TunnelProberTest {
    /** Delivers datagrams between bound addresses unless the sender or the receiver is cut off. */
    static final class FakeNetwork {
        final Map<Ipv4Address, ArrayDeque<ProbeTransport.Datagram>> inboxes = new HashMap<>();
        final Set<Ipv4Address> cut = new HashSet<>();
        final Set<Ipv4Address> present = new HashSet<>();   // addresses that exist (docker0 set up)

        ProbeTransport transport() {
            return new ProbeTransport() {
                Ipv4Address local;
                int port;

                @Override
                public void bind(Ipv4Address address, int p) {
                    if (!present.contains(address)) {
                        throw new UncheckedIOException("cannot listen for tunnel probes on UDP " + address + ":" + p
                                + " (Cannot assign requested address)", new IOException());
                    }
                    local = address;
                    port = p;
                    inboxes.computeIfAbsent(address, a -> new ArrayDeque<>());
                }

                @Override
                public Optional<Ipv4Address> bound() {
                    return Optional.ofNullable(local);
                }

                @Override
                public void send(Ipv4Address to, int p, byte[] data) {
                    if (local == null) {
                        throw new UncheckedIOException(new IOException("not bound"));
                    }
                    // an address that exists queues datagrams until its socket reads them
                    ArrayDeque<ProbeTransport.Datagram> inbox = present.contains(to)
                            ? inboxes.computeIfAbsent(to, a -> new ArrayDeque<>()) : null;
                    if (inbox != null && !cut.contains(local) && !cut.contains(to)) {
                        inbox.add(new ProbeTransport.Datagram(local, port, data.clone(), data.length));
                    }
                }

                @Override
                public Optional<ProbeTransport.Datagram> receive(Duration timeout) {
                    ArrayDeque<ProbeTransport.Datagram> inbox = local == null ? null : inboxes.get(local);
                    return inbox == null ? Optional.empty() : Optional.ofNullable(inbox.poll());
                }

                @Override
                public void close() {
                }
            };
        }
    }

    static final class Recorder implements TunnelHealthListener {
        final List<Transition> transitions = new ArrayList<>();
        final List<Duration> rtts = new ArrayList<>();
        int peerChanges;

        @Override
        public void peersChanged(List<PeerStatus> peers) {
            peerChanges++;
        }

        @Override
        public void transitions(List<Transition> t) {
            transitions.addAll(t);
        }

        @Override
        public void answered(HostId peer, Duration rtt) {
            rtts.add(rtt);
        }
    }

    private final FakeNetwork net = new FakeNetwork();
    private final AtomicLong nanos = new AtomicLong();
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-02T00:00:00Z"), ZoneOffset.UTC);
    private final List<TunnelProber> probers = new ArrayList<>();

    private TunnelProber host(int n, int total) {
        net.present.add(Topologies.host(n).gateway());
        TunnelProber p = new TunnelProber(HostId.of("h" + n), ProbeSettings.defaults(), net.transport(), clock, nanos::get);
        p.accept(Topologies.of(n, total));
        probers.add(p);
        return p;
    }

    /** One interval: every prober ticks, then every datagram in flight is handled (answers take 300 µs). */
    private void second() {
        nanos.addAndGet(1_000_000_000L);
        probers.forEach(TunnelProber::tick);
        for (int i = 0; i < 4; i++) {   // requests, answers
            nanos.addAndGet(150_000);
            for (TunnelProber p : probers) {
                for (int k = 0; k < 10; k++) {
                    p.receiveOnce(Duration.ZERO);
                }
            }
        }
    }

    private static TunnelState state(TunnelProber p, String peer) {
        return p.statuses().stream().filter(s -> s.peer().value().equals(peer)).findFirst().orElseThrow().state();
    }

    @Test
    void everyPeerAnswersThroughItsTunnel() {
        TunnelProber h1 = host(1, 3);
        TunnelProber h2 = host(2, 3);
        TunnelProber h3 = host(3, 3);
        Recorder r = new Recorder();
        h1.addListener(r);
        second();
        for (TunnelProber p : List.of(h1, h2, h3)) {
            assertTrue(p.statuses().stream().allMatch(s -> s.state() == TunnelState.HEALTHY), p.statuses().toString());
        }
        assertEquals(2, r.transitions.size(), "h1: pending -> healthy for h2 and h3");
        assertEquals(Duration.ofNanos(300_000), r.rtts.get(0), "request and answer legs of 150 µs");
        assertEquals(Optional.of(Duration.ofNanos(300_000)), h1.statuses().get(0).lastRtt());
    }

    @Test
    void aHostCutOffIsBrokenForEveryoneAfterThreeLostProbesAndRecoversAtTheFirstAnswer() {
        TunnelProber h1 = host(1, 3);
        TunnelProber h2 = host(2, 3);
        TunnelProber h3 = host(3, 3);
        Recorder r1 = new Recorder();
        h1.addListener(r1);
        second();
        r1.transitions.clear();
        net.cut.add(Topologies.host(2).gateway());
        second();
        second();
        assertEquals(TunnelState.HEALTHY, state(h1, "h2"), "two lost probes are not enough");
        second();
        second();   // the third lost probe is counted at the round after it was sent
        assertEquals(TunnelState.BROKEN, state(h1, "h2"));
        assertEquals(TunnelState.BROKEN, state(h3, "h2"));
        assertEquals(TunnelState.HEALTHY, state(h1, "h3"), "h1-h3 does not go through h2");
        assertTrue(h2.statuses().stream().allMatch(s -> s.state() == TunnelState.BROKEN), "h2 sees everything broken");
        assertEquals(1, r1.transitions.size());
        assertEquals(HostId.of("h2"), r1.transitions.get(0).status().peer());
        net.cut.clear();
        second();
        assertEquals(TunnelState.HEALTHY, state(h1, "h2"), "one answer heals it");
        assertEquals(TunnelState.HEALTHY, state(h2, "h1"));
        assertEquals(TunnelState.BROKEN, r1.transitions.get(1).from());
    }

    @Test
    void noGatewayYetMeansNoProbesAndBrokenTunnels() {
        TunnelProber h1 = host(1, 2);
        host(2, 2);
        net.present.remove(Topologies.host(1).gateway());   // h1's docker0 has no address yet
        for (int i = 0; i < 4; i++) {
            second();
        }
        assertEquals(TunnelState.BROKEN, state(h1, "h2"));
        net.present.add(Topologies.host(1).gateway());
        second();
        assertEquals(TunnelState.HEALTHY, state(h1, "h2"), "probes start once the address is there");
    }

    @Test
    void peersFollowTheAppliedTopology() {
        TunnelProber h1 = host(1, 3);
        Recorder r = new Recorder();
        h1.addListener(r);
        h1.accept(Topologies.withPeers(1, 3));
        assertEquals(List.of("h3"), h1.statuses().stream().map(s -> s.peer().value()).toList());
        assertEquals(Ipv4Address.parse("10.200.3.1"), h1.statuses().get(0).address(), "the peer subnet's first address");
        h1.accept(Topologies.withPeers(1, 3));
        assertEquals(1, r.peerChanges, "the same peers again change nothing");
    }
}
