package io.ovsfabric.agent.health;

import io.ovsfabric.agent.model.PeerHost;
import io.ovsfabric.agent.model.Topology;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes every peer of the applied topology through its tunnel, and answers the peers' probes. Once per interval it
 * counts the unanswered probes as lost ({@link TunnelTable}) and sends one UDP probe from this host's docker0 gateway
 * to each peer's (its subnet's first address, on the same port); a receiver thread answers requests and records
 * answers. The gateways are only reachable through br0 and GRE (docker0 holds the fabric prefix; br0 sends a peer
 * subnet's IP and ARP to that peer's tunnel only), so an answer proves the tunnel carries packets both ways.
 * Logs say which peer turned broken or healthy, with its last round trip.
 */
public final class TunnelProber implements AutoCloseable, java.util.function.Consumer<Topology> {
    private static final Logger log = LoggerFactory.getLogger(TunnelProber.class);

    private final HostId self;
    private final ProbeSettings settings;
    private final ProbeTransport transport;
    private final TunnelTable table;
    private final Clock clock;
    private final LongSupplier nanos;
    private final List<TunnelHealthListener> listeners = new CopyOnWriteArrayList<>();
    private volatile Ipv4Address gateway;          // this host's, from the last topology; null before the first
    private volatile String bindProblem;           // the last bind failure logged, to log each distinct one once
    private volatile boolean closed;
    private ScheduledExecutorService ticker;
    private Thread receiver;

    public TunnelProber(HostId self, ProbeSettings settings, ProbeTransport transport, Clock clock, LongSupplier nanos) {
        this.self = self;
        this.settings = settings;
        this.transport = transport;
        this.table = new TunnelTable(settings);
        this.clock = clock;
        this.nanos = nanos;
    }

    public void addListener(TunnelHealthListener listener) {
        listeners.add(listener);
    }

    public ProbeSettings settings() {
        return settings;
    }

    /** Every peer now. */
    public List<PeerStatus> statuses() {
        return table.statuses();
    }

    /** A topology was applied: probe its peers, from its gateway. */
    @Override
    public void accept(Topology topology) {
        gateway = topology.self().gateway();
        Map<HostId, Ipv4Address> peers = new TreeMap<>();
        for (PeerHost peer : topology.peers()) {
            peers.put(peer.id(), peer.subnet().firstUsable());
        }
        if (table.setPeers(peers, clock.millis())) {
            log.info("host {}: probing the tunnels to {} peer(s) from {} on UDP port {}: {}", self, peers.size(), gateway,
                    settings.port(), peers.isEmpty() ? "none" : String.join(", ", peers.entrySet().stream()
                            .map(e -> e.getKey() + " (" + e.getValue() + ")").toList()));
            List<PeerStatus> now = table.statuses();
            listeners.forEach(l -> l.peersChanged(now));
        }
    }

    /** One probing round: count losses, then send the next probes. */
    public void tick() {
        long nowNanos = nanos.getAsLong();
        long nowMs = clock.millis();
        List<Transition> changes = table.expire(nowNanos, nowMs);
        changes.forEach(this::logTransition);
        if (!changes.isEmpty()) {
            listeners.forEach(l -> l.transitions(changes));
        }
        boolean ready = ensureBound();
        for (TunnelTable.Probe probe : table.due(nowNanos)) {
            if (!ready) {
                continue;       // recorded as sent: it will be lost, which is the truth (no gateway, no tunnel)
            }
            try {
                transport.send(probe.address(), settings.port(), new ProbePacket(ProbePacket.Kind.REQUEST, probe.seq(), self).encode());
            } catch (UncheckedIOException e) {
                log.debug("host {}: probe {} to {} ({}) not sent: {}", self, probe.seq(), probe.peer(), probe.address(), e.getMessage());
            }
        }
        List<PeerStatus> now = table.statuses();
        listeners.forEach(l -> l.probed(now));
    }

    /** Waits up to {@code timeout} for one datagram and handles it: answers a request, records an answer. */
    public void receiveOnce(Duration timeout) {
        Optional<ProbeTransport.Datagram> got = transport.receive(timeout);
        if (got.isEmpty()) {
            return;
        }
        ProbeTransport.Datagram d = got.get();
        Optional<ProbePacket> packet = ProbePacket.decode(d.data(), d.length());
        if (packet.isEmpty()) {
            return;
        }
        ProbePacket p = packet.get();
        if (p.kind() == ProbePacket.Kind.REQUEST) {
            try {
                transport.send(d.from(), d.port(), p.answerFrom(self).encode());
            } catch (UncheckedIOException e) {
                log.debug("host {}: answer to {}'s probe {} not sent: {}", self, p.sender(), p.seq(), e.getMessage());
            }
            return;
        }
        long nowNanos = nanos.getAsLong();
        Optional<Transition> change = table.answered(p.sender(), p.seq(), nowNanos, clock.millis());
        table.statuses().stream().filter(s -> s.peer().equals(p.sender())).findFirst()
                .flatMap(PeerStatus::lastRtt).ifPresent(rtt -> listeners.forEach(l -> l.answered(p.sender(), rtt)));
        change.ifPresent(t -> {
            logTransition(t);
            listeners.forEach(l -> l.transitions(List.of(t)));
        });
    }

    /** Starts the probing ticker and the receiver thread (daemon threads). */
    public TunnelProber start() {
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tunnel-prober");
            t.setDaemon(true);
            return t;
        });
        long period = settings.interval().toNanos();
        ticker.scheduleAtFixedRate(() -> {
            try {
                tick();
            } catch (RuntimeException e) {
                log.warn("host {}: a tunnel probing round failed (the next one runs in {} ms): {}", self,
                        settings.interval().toMillis(), e.toString());
            }
        }, period, period, TimeUnit.NANOSECONDS);
        receiver = new Thread(() -> {
            while (!closed) {
                try {
                    receiveOnce(Duration.ofMillis(200));
                } catch (RuntimeException e) {
                    if (!closed) {
                        log.warn("host {}: receiving tunnel probes failed (retrying): {}", self, e.getMessage());
                        sleepQuietly(settings.interval());
                    }
                }
            }
        }, "tunnel-probe-responder");
        receiver.setDaemon(true);
        receiver.start();
        log.info("host {}: tunnel prober started: one probe per peer every {} ms on UDP port {}, broken after {} lost in a row",
                self, settings.interval().toMillis(), settings.port(), settings.brokenAfter());
        return this;
    }

    private boolean ensureBound() {
        Ipv4Address local = gateway;
        if (local == null) {
            return false;
        }
        try {
            transport.bind(local, settings.port());
            if (bindProblem != null) {
                log.info("host {}: listening for tunnel probes on UDP {}:{} now", self, local, settings.port());
                bindProblem = null;
            }
            return true;
        } catch (UncheckedIOException e) {
            if (!e.getMessage().equals(bindProblem)) {
                log.warn("host {}: {} (retrying every round; the tunnels count as broken meanwhile)", self, e.getMessage());
                bindProblem = e.getMessage();
            }
            return false;
        }
    }

    private void logTransition(Transition t) {
        PeerStatus s = t.status();
        String rtt = s.lastRtt().map(TunnelProber::millis).orElse("none");
        if (t.to() == TunnelState.BROKEN) {
            log.warn("host {}: tunnel to {} ({}) is BROKEN: {} probes in a row unanswered; last RTT {}, last answer {}",
                    self, s.peer(), s.address(), t.lostInRow(), rtt,
                    s.lastAnswerMs() == 0 ? "never" : (clock.millis() - s.lastAnswerMs()) + " ms ago");
        } else if (t.from() == TunnelState.BROKEN) {
            log.info("host {}: tunnel to {} ({}) is HEALTHY again after {} lost probes: RTT {}", self, s.peer(), s.address(),
                    t.lostInRow(), rtt);
        } else {
            log.info("host {}: tunnel to {} ({}) is HEALTHY: first answer, RTT {}", self, s.peer(), s.address(), rtt);
        }
    }

    static String millis(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.2f ms", d.toNanos() / 1e6);
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        if (ticker != null) {
            ticker.shutdownNow();
        }
        transport.close();
        if (receiver != null) {
            try {
                receiver.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
