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
 * host, whichever one the host reports to; a dead host's report goes with its lease), but written only when a
 * tunnel's state changed or the stored copy is {@link #REFRESH} old: the round trips move every report, and writing
 * each would be an etcd write per host per report period. Between two writes this controller keeps the freshest
 * report of each host that reports to it in memory, and {@link #reports()} prefers it to the stored copy.
 */
public final class TunnelHealthBook {
    /** The stored copy is rewritten at least this often (round trips and last-seen times in it are that old at most). */
    public static final Duration REFRESH = Duration.ofSeconds(30);
    /** A report older than this many of its host's report periods (10 s) is stale. */
    private static final Duration STALE = Duration.ofSeconds(45);

    private final TunnelHealthRepository store;
    private final HostRepository hosts;
    private final Clock clock;
    private final Map<HostId, TunnelReport> heard = new ConcurrentHashMap<>();     // freshest received here
    private final Map<HostId, TunnelReport> written = new ConcurrentHashMap<>();   // last written by this controller

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
        TunnelReport last = written.get(host);
        if (last != null && last.sameStates(stamped) && stamped.receivedAtMs() - last.receivedAtMs() < REFRESH.toMillis()) {
            return false;
        }
        store.put(host, stamped, live.leaseId());
        written.put(host, stamped);
        return true;
    }

    /** The latest report of every live host that reported, by host id (one etcd range read). */
    public Map<HostId, TunnelReport> reports() {
        Map<HostId, TunnelReport> out = new TreeMap<>();
        for (TunnelHealthRepository.Stored s : store.all()) {
            TunnelReport mine = heard.get(s.host());
            out.put(s.host(), mine != null && mine.receivedAtMs() > s.report().receivedAtMs() ? mine : s.report());
        }
        // what this controller heard from hosts whose stored copy is gone (lease expired) is forgotten
        heard.keySet().retainAll(out.keySet());
        written.keySet().retainAll(out.keySet());
        return out;
    }

    /** Every reported tunnel, {@code (host, peer)}, in host then peer order: state, round trip and last answer. */
    public List<TunnelView> tunnels() {
        long now = clock.millis();
        List<TunnelView> out = new ArrayList<>();
        reports().forEach((host, report) -> {
            boolean stale = now - report.receivedAtMs() > STALE.toMillis();
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
        for (TunnelView t : tunnels()) {
            counts.merge(t.state(), 1L, Long::sum);
        }
        return counts;
    }
}
