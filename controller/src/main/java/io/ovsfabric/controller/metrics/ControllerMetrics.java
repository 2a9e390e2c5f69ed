package io.ovsfabric.controller.metrics;

import io.ovsfabric.controller.health.TunnelHealthBook;
import io.ovsfabric.controller.model.TunnelReport;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ovsfabric.common.metrics.Registries;
import io.ovsfabric.controller.model.HostState;
import io.ovsfabric.controller.model.HostView;
import io.ovsfabric.controller.registry.HostRegistry;
import io.ovsfabric.controller.store.KvStore;
import io.ovsfabric.controller.store.LeaderElection;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The controller's meters, in one Prometheus registry: the RPC edge ({@link RpcMetrics}), etcd calls
 * ({@link MeteredKvStore}), and gauges read from the registry at each scrape ({@link #refresh}):
 * {@code ovsfabric_controller_hosts{state}}, {@code ovsfabric_controller_subnets{state="free"|"held"}} and
 * {@code ovsfabric_controller_leader} (1 while this controller leads).
 */
public final class ControllerMetrics {
    private final PrometheusMeterRegistry registry;
    private final RpcMetrics rpc;
    private final Map<HostState, AtomicLong> hosts = new EnumMap<>(HostState.class);
    private final AtomicLong free = new AtomicLong();
    private final AtomicLong held = new AtomicLong();
    private volatile HostRegistry registryOfHosts;
    private final Map<TunnelReport.State, AtomicLong> tunnels = new EnumMap<>(TunnelReport.State.class);
    private volatile TunnelHealthBook tunnelBook;

    public ControllerMetrics(String version) {
        this.registry = Registries.prometheus("controller", version);
        this.rpc = new RpcMetrics(registry);
        for (HostState state : HostState.values()) {
            AtomicLong count = new AtomicLong();
            hosts.put(state, count);
            Gauge.builder("ovsfabric.controller.hosts", count, AtomicLong::get).description("hosts of the fabric by state")
                    .tag("state", state.name().toLowerCase(Locale.ROOT)).register(registry);
        }
        Gauge.builder("ovsfabric.controller.subnets", free, AtomicLong::get).description("assignable host subnets, free or held")
                .tag("state", "free").register(registry);
        Gauge.builder("ovsfabric.controller.subnets", held, AtomicLong::get).description("assignable host subnets, free or held")
                .tag("state", "held").register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The gRPC interceptor that measures every call. */
    public RpcMetrics rpc() {
        return rpc;
    }

    /** The store, measured. */
    public KvStore meter(KvStore store) {
        return new MeteredKvStore(store, registry);
    }

    /**
     * Where {@code ovsfabric_controller_tunnels{state="healthy"|"broken"|"pending"}} is read from at each scrape (the
     * hosts' latest tunnel reports: one etcd range read).
     */
    public void observeTunnels(TunnelHealthBook book) {
        for (TunnelReport.State state : TunnelReport.State.values()) {
            AtomicLong count = tunnels.computeIfAbsent(state, s -> new AtomicLong());
            Gauge.builder("ovsfabric.controller.tunnels", count, AtomicLong::get)
                    .description("tunnels (host -> peer) by the state their host last reported")
                    .tag("state", state.name().toLowerCase(Locale.ROOT)).register(registry);
        }
        this.tunnelBook = book;
    }

    /** Where the host and subnet gauges are read from, and whether this controller leads. */
    public void observe(HostRegistry hostRegistry, LeaderElection election) {
        this.registryOfHosts = hostRegistry;
        observeLeader(election::isLeader);
    }

    void observeLeader(BooleanSupplier leader) {
        Gauge.builder("ovsfabric.controller.leader", () -> leader.getAsBoolean() ? 1 : 0)
                .description("1 while this controller leads (runs the sweeps and the compaction), else 0")
                .strongReference(true).register(registry);
    }

    /** Reads the hosts once (one etcd range read); on failure the gauges keep their last values. */
    public void refresh() {
        TunnelHealthBook book = tunnelBook;
        if (book != null) {
            try {
                Map<TunnelReport.State, Long> counts = book.counts();
                tunnels.forEach((state, gauge) -> gauge.set(counts.getOrDefault(state, 0L)));
            } catch (RuntimeException e) {
                // etcd unreachable: the gauges keep their last values (the etcd error counters say why)
            }
        }
        HostRegistry source = registryOfHosts;
        if (source == null) {
            return;
        }
        HostRegistry.SubnetUsage usage = source.subnets();
        Map<HostState, Long> counts = new EnumMap<>(HostState.class);
        for (HostView host : usage.holders()) {
            counts.merge(host.state(), 1L, Long::sum);
        }
        hosts.forEach((state, gauge) -> gauge.set(counts.getOrDefault(state, 0L)));
        held.set(usage.held());
        free.set(Math.max(0, usage.assignable() - usage.held()));
    }
}
