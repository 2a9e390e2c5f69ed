package io.ovsfabric.controller.health;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.model.TunnelReport;
import io.ovsfabric.controller.store.HostRepository;
import io.ovsfabric.controller.store.TunnelHealthRepository;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The hosts' tunnel reports: the latest per host, what {@code ovsfabricctl status}, the metrics and the page read.
 * <p>
 * Stored in etcd under {@code tunnel-health/<host>}, bound to the host's lease (every controller answers for every
 * host, whichever one the host reports to; a dead host's report goes with its lease). etcd keeps the states, not the
 * round trips: a report is written when a tunnel's state changed, when this controller first hears the host, and
 * every {@link #REFRESH} otherwise, so that other controllers can tell a live report from a stale one. Writing each
 * report (every 10 s from every host, 190 KB each in a 1,000-host mesh) would be 6 MB/s of etcd history, past etcd's
 * 2 GiB space quota within minutes. The freshest report of each host that reports here, round trips included, stays
 * in memory and is preferred while it is newer than the stored copy.
 */
public final class TunnelHealthBook {
    /** An unchanged report is written again this often (other controllers judge staleness by it). */
    public static final Duration REFRESH = Duration.ofMinutes(5);
    /** A report heard here is stale when older than this many of its host's report periods (10 s). */
    private static final Duration STALE = Duration.ofSeconds(45);
    /** The stored copies are read at most this often (the page asks every second, and the metrics and ctl too). */
    static final Duration READ_EVERY = Duration.ofSeconds(1);

    /** A host's latest report as this controller knows it; {@code heardHere} when it is this controller's own copy. */
    public record Known(TunnelReport report, boolean heardHere, boolean stale) {}

    private final TunnelHealthRepository store;
    private final HostRepository hosts;
    private final Clock clock;
    private final Map<HostId, TunnelReport> heard = new ConcurrentHashMap<>();     // freshest received here
    private final Map<HostId, Written> written = new ConcurrentHashMap<>();        // last written by this controller

    /** What a write is compared with: when, and a digest of the states (not a second copy of a thousand peers). */
    private record Written(long receivedAtMs, byte[] statesDigest) {}
    private volatile List<TunnelHealthRepository.Stored> storedCopies;           // the last read, at storedReadAtMs
    private volatile long storedReadAtMs;

    public TunnelHealthBook(TunnelHealthRepository store, HostRepository hosts, Clock clock) {
        this.store = store;
        this.hosts = hosts;
        this.clock = clock;
    }

    /**
     * Replaces a host's report, stamped with this controller's clock. Only a live host reports (FAILED_PRECONDITION
     * otherwise: the agent registers again and reports then). True when it was written to etcd.
     */
    public boolean report(HostId host, TunnelReport report) {
        HostRepository.Live live = hosts.live(host).orElseThrow(() -> new FabricException(FabricException.Code.REFUSED,
                "host " + host + " has no live lease; register it before it reports its tunnels"));
        TunnelReport stamped = report.receivedAt(clock.millis());
        heard.put(host, stamped);
        Written last = written.get(host);
        byte[] digest = stamped.statesDigest();
        if (last != null && java.util.Arrays.equals(last.statesDigest(), digest)
                && stamped.receivedAtMs() - last.receivedAtMs() < REFRESH.toMillis()) {
            return false;
        }
        store.put(host, stamped, live.leaseId());
        written.put(host, new Written(stamped.receivedAtMs(), digest));
        storedCopies = null; // what this controller just wrote is read back at once
        return true;
    }

    /** The latest report of every live host that reported, by host id (at most one etcd read per {@link #READ_EVERY}). */
    public Map<HostId, Known> reports() {
        long now = clock.millis();
        Map<HostId, Known> out = new TreeMap<>();
        for (TunnelHealthRepository.Stored s : storedCopies(now)) {
            TunnelReport mine = heard.get(s.host());
            boolean heardHere = mine != null && mine.receivedAtMs() >= s.receivedAtMs();
            TunnelReport latest = heardHere ? mine : s.report();
            long staleAfter = heardHere ? STALE.toMillis() : REFRESH.plus(STALE).toMillis();
            out.put(s.host(), new Known(latest, heardHere, now - latest.receivedAtMs() > staleAfter));
        }
        // what this controller heard from hosts whose stored copy is gone (lease expired) is forgotten
        heard.keySet().retainAll(out.keySet());
        written.keySet().retainAll(out.keySet());
        return out;
    }

    private List<TunnelHealthRepository.Stored> storedCopies(long now) {
        List<TunnelHealthRepository.Stored> copies = storedCopies;
        if (copies == null || now - storedReadAtMs >= READ_EVERY.toMillis() || now < storedReadAtMs) {
            copies = store.all();
            storedReadAtMs = now;
            storedCopies = copies;
        }
        return copies;
    }

    /** Every reported tunnel, {@code (host, peer)}, in host then peer order: state, round trip and last answer. */
    public List<TunnelView> tunnels() {
        List<TunnelView> out = new ArrayList<>();
        reports().forEach((host, known) -> {
            TunnelReport report = known.report();
            boolean stale = known.stale();
            for (TunnelReport.Peer p : report.peers()) {
                out.add(new TunnelView(host, HostId.of(p.peer()), p.address(), p.state(),
                        p.lastAnswerMs() == 0 ? Optional.empty() : Optional.of(Duration.ofNanos(p.lastRttMicros() * 1000L)),
                        p.lastAnswerMs() == 0 ? Optional.empty() : Optional.of(Duration.ofNanos(p.medianRttMicros() * 1000L)),
                        p.lastAnswerMs(), p.stateSinceMs(), p.windowSent(), p.windowLost(), report.receivedAtMs(), stale));
            }
        });
        return out;
    }

    /** How many reported tunnels are in each state. */
    public Map<TunnelReport.State, Long> counts() {
        Map<TunnelReport.State, Long> counts = new EnumMap<>(TunnelReport.State.class);
        for (TunnelReport.State s : TunnelReport.State.values()) {
            counts.put(s, 0L);
        }
        for (Known known : reports().values()) {
            for (TunnelReport.Peer p : known.report().peers()) {
                counts.merge(p.state(), 1L, Long::sum);
            }
        }
        return counts;
    }
}
