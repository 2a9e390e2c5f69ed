package io.ovsfabric.controller.web;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.health.TunnelView;
import io.ovsfabric.controller.model.TunnelReport;
import io.ovsfabric.controller.model.HostView;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
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

    private record Pair(HostId host, HostId peer) {}

    private final Supplier<List<TunnelView>> reports;
    private final TunnelHealthSource hostStates = TunnelHealthSource.fromHostStates();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile Map<Pair, TunnelView> latest = Map.of();
    private ScheduledExecutorService refresher;

    /** @param reports every reported tunnel (the controller's {@code TunnelHealthBook::tunnels}) */
    public ReportedTunnelHealth(Supplier<List<TunnelView>> reports) {
        this.reports = Objects.requireNonNull(reports, "reports");
    }

    /** Reads the reports now and then every {@link #REFRESH} in the background. */
    public ReportedTunnelHealth start() {
        refresh();
        refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "page-tunnel-health");
            t.setDaemon(true);
            return t;
        });
        refresher.scheduleWithFixedDelay(this::refresh, REFRESH.toMillis(), REFRESH.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Reads the reports once; tells the listeners if a tunnel's state (or staleness) changed. */
    void refresh() {
        Map<Pair, TunnelView> next;
        try {
            next = reports.get().stream().collect(Collectors.toMap(t -> new Pair(t.host(), t.peer()), t -> t, (a, b) -> b));
        } catch (RuntimeException e) {
            log.debug("tunnel reports not read for the page: {}", e.getMessage());
            return;
        }
        boolean changed = !states(next).equals(states(latest));
        latest = next;
        if (changed) {
            listeners.forEach(Runnable::run);
        }
    }

    private static Map<Pair, String> states(Map<Pair, TunnelView> views) {
        return views.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                e -> e.getValue().state() + (e.getValue().stale() ? "/stale" : "")));
    }

    @Override
    public TunnelHealth tunnel(HostView host, HostView peer) {
        TunnelHealth byState = hostStates.tunnel(host, peer);
        if (byState.state() == TunnelHealth.State.BROKEN) {
            return byState;
        }
        TunnelView view = latest.get(new Pair(host.record().hostId(), peer.record().hostId()));
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
