package io.ovsfabric.controller.web;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.health.TunnelView;
import io.ovsfabric.controller.model.TunnelReport;
import io.ovsfabric.controller.model.HostView;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tunnel health from the agents' probe reports. The reports are read from the book once per {@link #REFRESH} (one
 * etcd range read), never per pair of hosts, and the page is told when any tunnel's state changed. A DOWN or departed
 * end still makes the tunnel broken whatever its last report said; a pair with no fresh report is unknown.
 */
public final class ReportedTunnelHealth implements TunnelHealthSource, AutoCloseable {
    public static final Duration REFRESH = Duration.ofSeconds(1);
    private static final Logger log = LoggerFactory.getLogger(ReportedTunnelHealth.class);

    private final Supplier<List<TunnelView>> reports;
    private final TunnelHealthSource hostStates = TunnelHealthSource.fromHostStates();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    // by host, then peer: a map keyed by the pair hashes patterned ids (node-001...) into few buckets
    private volatile Map<HostId, Map<HostId, TunnelView>> latest = Map.of();
    private ScheduledExecutorService refresher;

    /** @param reports every reported tunnel (the controller's {@code TunnelHealthBook::tunnels}) */
    public ReportedTunnelHealth(Supplier<List<TunnelView>> reports) {
        this.reports = Objects.requireNonNull(reports, "reports");
    }

    /** Reads the reports now and then every {@link #REFRESH} (or {@link #nextDelay} when reading takes long). */
    public ReportedTunnelHealth start() {
        refresh();
        refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "page-tunnel-health");
            t.setDaemon(true);
            return t;
        });
        refresher.schedule(this::refreshAndReschedule, REFRESH.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void refreshAndReschedule() {
        long started = System.nanoTime();
        refresh();
        try {
            refresher.schedule(this::refreshAndReschedule, nextDelay(Duration.ofNanos(System.nanoTime() - started)).toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // closed meanwhile
        }
    }

    /**
     * The wait before the next read: {@link #REFRESH}, or ten times what the last read took when that is longer. A
     * fabric of 1,000 hosts has a million tunnels, and the page's reads then keep to a tenth of a core.
     */
    static Duration nextDelay(Duration lastReadTook) {
        Duration tenfold = lastReadTook.multipliedBy(10);
        return tenfold.compareTo(REFRESH) > 0 ? tenfold : REFRESH;
    }

    /** Reads the reports once; tells the listeners if a tunnel's state (or staleness) changed. */
    void refresh() {
        List<TunnelView> views;
        try {
            views = reports.get();
        } catch (RuntimeException e) {
            log.debug("tunnel reports not read for the page: {}", e.getMessage());
            return;
        }
        // one pass: a fabric of 1,000 hosts has a million tunnels
        Map<HostId, Map<HostId, TunnelView>> before = latest;
        Map<HostId, Map<HostId, TunnelView>> next = new HashMap<>();
        boolean changed = false;
        for (TunnelView t : views) {
            next.computeIfAbsent(t.host(), h -> new HashMap<>()).put(t.peer(), t);
            if (!changed) {
                TunnelView was = before.getOrDefault(t.host(), Map.of()).get(t.peer());
                changed = was == null || was.state() != t.state() || was.stale() != t.stale();
            }
        }
        // every tunnel now was there before in the same state; the same count means no other was
        changed |= count(next) != count(before);
        latest = next;
        if (changed) {
            listeners.forEach(Runnable::run);
        }
    }

    private static int count(Map<HostId, Map<HostId, TunnelView>> byHost) {
        return byHost.values().stream().mapToInt(Map::size).sum();
    }

    @Override
    public TunnelHealth tunnel(HostView host, HostView peer) {
        TunnelHealth byState = hostStates.tunnel(host, peer);
        if (byState.state() == TunnelHealth.State.BROKEN) {
            return byState;
        }
        TunnelView view = latest.getOrDefault(host.record().hostId(), Map.of()).get(peer.record().hostId());
        if (view == null) {
            return TunnelHealth.unknown("no probe report from " + host.record().hostId());
        }
        if (view.stale()) {
            return TunnelHealth.unknown(host.record().hostId() + "'s probe report is stale (its agent stopped reporting)");
        }
        double rttMs = view.lastRtt().map(d -> d.toNanos() / 1e6).orElse(-1.0);
        return switch (view.state()) {
            case HEALTHY -> new TunnelHealth(TunnelHealth.State.HEALTHY, rttMs, "probe");
            case BROKEN -> new TunnelHealth(TunnelHealth.State.BROKEN, rttMs,
                    "probes lost (" + view.windowLost() + " of the last " + view.windowSent() + ")");
            case PENDING -> TunnelHealth.unknown("probing started, no answer yet");
        };
    }

    @Override
    public void addListener(Runnable onChange) {
        listeners.add(onChange);
    }

    @Override
    public void close() {
        if (refresher != null) {
            refresher.shutdownNow();
        }
    }
}
