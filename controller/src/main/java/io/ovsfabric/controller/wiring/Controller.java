package io.ovsfabric.controller.wiring;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.ServerCredentials;
import io.ovsfabric.common.pki.CertifiedKey;
import io.ovsfabric.common.pki.FabricCa;
import io.ovsfabric.common.pki.FabricTls;
import io.ovsfabric.common.pki.Identity;
import io.ovsfabric.common.pki.LeafLifetimes;
import io.ovsfabric.common.pki.PeerIdentityInterceptor;
import io.ovsfabric.common.pki.PemFiles;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.cli.ControllerSecurity;
import io.ovsfabric.controller.registry.Enrollment;
import io.ovsfabric.controller.rpc.Authorization;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import io.ovsfabric.controller.cli.ControllerConfig;
import io.ovsfabric.controller.model.FabricPlan;
import io.ovsfabric.controller.registry.EndpointRegistry;
import io.ovsfabric.controller.registry.FabricConfigBootstrap;
import io.ovsfabric.controller.registry.HostRegistry;
import io.ovsfabric.controller.registry.IpamCheck;
import io.ovsfabric.controller.registry.NetworkRegistry;
import io.ovsfabric.controller.registry.Sweeper;
import io.ovsfabric.controller.rpc.AdminRpcService;
import io.ovsfabric.controller.rpc.FabricRpcService;
import io.ovsfabric.controller.rpc.NetworkRpc;
import io.ovsfabric.controller.rpc.RequestLimits;
import io.ovsfabric.controller.store.EtcdKvStore;
import io.ovsfabric.controller.store.EtcdLeaderElection;
import io.ovsfabric.common.rpc.ControllerChannels;
import io.ovsfabric.controller.store.FabricStore;
import io.ovsfabric.controller.store.HistoryCompactor;
import io.ovsfabric.controller.store.LeaderElection;
import io.ovsfabric.controller.store.KvStore;
import io.ovsfabric.controller.metrics.ControllerMetrics;
import io.ovsfabric.controller.health.TunnelHealthBook;
import io.ovsfabric.controller.rpc.TunnelHealthRpcService;
import io.ovsfabric.common.metrics.MetricsEndpoint;
import io.ovsfabric.controller.topology.TopologyFeed;
import io.ovsfabric.controller.web.PageFeed;
import io.ovsfabric.controller.web.PageServer;
import io.ovsfabric.controller.web.ReportedTunnelHealth;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The only place that builds the real adapters (etcd, election, gRPC server) and wires the controller together. */
public final class Controller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Controller.class);
    /** Below the clients' 5 s bound for a refused allocation, so "etcd lost its quorum" comes back as UNAVAILABLE. */
    private static final Duration ETCD_OP_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration COMPACTION_TICK = Duration.ofMinutes(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    /** This controller's version, in {@code ovsfabric_build_info}. */
    public static final String VERSION = "0.1.0";

    private final ControllerConfig config;
    private final EtcdKvStore store;
    private final FabricStore fabric;
    private final TopologyFeed feed;
    private final LeaderElection election;
    private final Server server;
    private final ScheduledExecutorService sweeps;
    private final MetricsEndpoint metricsEndpoint;   // null: no --metrics-listen
    private final PageFeed page;                     // null: no --http-listen
    private final PageServer pageServer;             // null: no --http-listen
    private final java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();

    private Controller(ControllerConfig config, EtcdKvStore store, FabricStore fabric, TopologyFeed feed, LeaderElection election,
            Server server, ScheduledExecutorService sweeps, MetricsEndpoint metricsEndpoint, PageFeed page,
            PageServer pageServer) {
        this.feed = feed;
        this.page = page;
        this.pageServer = pageServer;
        this.metricsEndpoint = metricsEndpoint;
        this.config = config;
        this.store = store;
        this.fabric = fabric;
        this.election = election;
        this.server = server;
        this.sweeps = sweeps;
    }

    /**
     * Connects to etcd (retrying with backoff, logging each attempt, until it answers), checks or stores the fabric
     * plan, starts campaigning for leadership and serves gRPC. Throws FabricException when the plan is refused.
     */
    public static Controller start(ControllerConfig config) throws InterruptedException {
        Clock clock = Clock.systemUTC();
        ControllerSecurity security = config.security();
        ControllerSecurity.EtcdTls etcdTls = security.etcd();
        boolean etcdHttps = config.etcdEndpoints().stream().anyMatch(e -> e.startsWith("https://"));
        EtcdKvStore store = new EtcdKvStore(config.etcdEndpoints(), ETCD_OP_TIMEOUT, etcdTls.any() || etcdHttps
                ? Optional.of(EtcdKvStore.tlsContext(etcdTls.caCert(), etcdTls.cert(), etcdTls.key()))
                : Optional.empty());
        MetricsEndpoint metricsEndpoint = null;
        try {
            ControllerMetrics metrics = new ControllerMetrics(VERSION);
            KvStore measured = metrics.meter(store);
            FabricStore fabric = new FabricStore(measured, config.keyPrefix());
            FabricPlan plan = bootstrapWithRetry(config, new FabricConfigBootstrap(fabric.config(), clock));
            NetworkRegistry networks = new NetworkRegistry(fabric.networks(), fabric.endpoints(), plan, clock);
            EndpointRegistry endpoints = new EndpointRegistry(fabric.endpoints(), networks, fabric.hosts(), clock, new SecureRandom());
            ServerCredentials credentials;
            Authorization auth;
            List<X509Certificate> trusted = List.of();
            if (security.grpc().isPresent()) {
                FabricTls.PemPaths files = security.grpc().get();
                trusted = files.readCa();
                CertifiedKey self = files.readSelf();
                if (!(self.identity() instanceof Identity.Controller)) {
                    throw new FabricException(FabricException.Code.INVALID, "--tls-cert " + files.cert() + " names "
                            + self.identity().uri() + ", not a controller: issue one with 'ovsfabricctl pki"
                            + " issue-controller'");
                }
                // clients without a certificate may only call Join (PeerIdentityInterceptor refuses the rest)
                credentials = FabricTls.serverCredentials(trusted, self, true);
                auth = Authorization.enforcing();
                log.info("controller {}: mutual TLS ({}) as {} until {}, trusting {}", config.controllerId(),
                        FabricTls.providerName(), self.identity().uri(), self.certificate().getNotAfter().toInstant(),
                        files.caCert());
            } else {
                log.warn(FabricTls.insecureWarning("controller " + config.controllerId()));
                credentials = InsecureServerCredentials.create();
                auth = Authorization.insecure();
            }
            Optional<FabricCa> ca = Optional.empty();
            if (security.caKey().isPresent()) {
                if (security.grpc().isEmpty()) {
                    throw new FabricException(FabricException.Code.INVALID, "--ca-key needs TLS (--tls-ca)");
                }
                ca = Optional.of(FabricCa.of(PemFiles.readPrivateKey(security.caKey().get()), trusted.get(0),
                        LeafLifetimes.DEFAULTS, clock));
                log.info("controller {} signs host certificates for joins and renewals (CA key {})",
                        config.controllerId(), security.caKey().get());
            }
            NetworkRpc networkRpc = new NetworkRpc(networks, endpoints,
                    new IpamCheck(fabric.reports(), endpoints, fabric.hosts(), clock), auth);
            HostRegistry registry = new HostRegistry(fabric.hosts(), plan, plan.leaseTtl(), clock, config.controllerId(),
                    new SecureRandom(), endpoints);
            Enrollment enrollment = new Enrollment(fabric.tokens(), ca, trusted, registry, clock, new SecureRandom());
            Sweeper sweeper = new Sweeper(fabric.hosts(), plan.reclaimGrace(), clock, endpoints);
            // one etcd watch and one in-memory view serve every topology stream and the hot registry reads
            fabric.cache().start();
            fabric.hosts().grantAhead(plan.leaseTtl()); // a burst of registrations then costs one transaction each
            TopologyFeed feed = new TopologyFeed(plan.reclaimGrace());
            fabric.cache().addListener(feed);
            LeaderElection election = new EtcdLeaderElection(store, fabric.electionName(), config.controllerId(), plan.leaseTtl());
            TunnelHealthBook tunnelBook = new TunnelHealthBook(fabric.tunnelHealth(), fabric.hosts(), clock);
            NettyServerBuilder serverBuilder = NettyServerBuilder.forAddress(
                            new InetSocketAddress(config.listenHost(), config.listenPort()), credentials)
                    .maxInboundMessageSize(ControllerChannels.MAX_MESSAGE_BYTES)
                    // clients ping every 10 s to notice a dead controller; allow it (the default allows one per 5 min)
                    .permitKeepAliveTime(5, TimeUnit.SECONDS).permitKeepAliveWithoutCalls(true)
                    .intercept(new RequestLimits())
                    .intercept(metrics.rpc())
                    .addService(new FabricRpcService(registry, feed, networkRpc, ControllerChannels.MAX_MESSAGE_BYTES,
                            auth, enrollment).definition())
                    .addService(new AdminRpcService(registry, election, config.controllerId(),
                            fabric.config()::currentRevision, networkRpc, auth, enrollment))
                    .addService(new TunnelHealthRpcService(tunnelBook, auth));
            if (auth.enforced()) {
                // added last, so it runs first: every call's identity is known before anything else looks at it
                serverBuilder.intercept(new PeerIdentityInterceptor(
                        Set.of(FabricServiceGrpc.getJoinMethod().getFullMethodName())));
            }
            Server server = serverBuilder.build();
            try {
                server.start();
            } catch (IOException e) {
                throw new FabricException(FabricException.Code.REFUSED, "cannot listen on " + config.listenHost()
                        + ":" + config.listenPort() + " (" + e.getMessage() + "): is another controller running there? Pick"
                        + " another --listen address", e);
            }
            election.start();
            metrics.observe(registry, election);
            metrics.observeTunnels(tunnelBook);
            if (config.metricsListen().isPresent()) {
                try {
                    metricsEndpoint = MetricsEndpoint.start(config.metricsListen().get(), metrics.registry(), metrics::refresh);
                } catch (java.io.UncheckedIOException e) {
                    server.shutdownNow();
                    election.abandon();
                    throw new FabricException(FabricException.Code.REFUSED, e.getMessage(), e);
                }
                log.info("controller {} serves /metrics on {}:{}", config.controllerId(),
                        metricsEndpoint.address().getHostString(), metricsEndpoint.address().getPort());
            }
            PageFeed page = null;
            PageServer pageServer = null;
            if (config.httpListen().isPresent()) {
                // the agents' probe reports, read once a second; a DOWN end still makes a tunnel broken
                page = new PageFeed(feed, new ReportedTunnelHealth(tunnelBook::tunnels).start(), config.controllerId(),
                        clock).start();
                try {
                    pageServer = PageServer.start(config.httpListen().get(), page,
                            MetricsEndpoint.handler(metrics.registry(), metrics::refresh));
                } catch (java.io.UncheckedIOException e) {
                    page.close();
                    if (metricsEndpoint != null) {
                        metricsEndpoint.close();
                    }
                    server.shutdownNow();
                    election.abandon();
                    throw new FabricException(FabricException.Code.REFUSED, e.getMessage(), e);
                }
                log.info("controller {} serves the topology page on http://{}:{}/ (and /api/topology, /events,"
                        + " /metrics)", config.controllerId(), pageServer.address().getHostString(),
                        pageServer.address().getPort());
            }
            ScheduledExecutorService sweeps = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "sweeper");
                thread.setDaemon(true);
                return thread;
            });
            long period = sweepInterval(plan.leaseTtl()).toMillis();
            sweeps.scheduleWithFixedDelay(() -> asLeader(election, "sweep", sweeper::sweepOnce, () -> { }),
                    period, period, TimeUnit.MILLISECONDS);
            HistoryCompactor compactor = new HistoryCompactor(measured, config.historyWindow(), clock);
            long tick = COMPACTION_TICK.toMillis();
            sweeps.scheduleWithFixedDelay(() -> asLeader(election, "etcd history compaction",
                    compactor::tick, compactor::reset), tick, tick, TimeUnit.MILLISECONDS);
            log.info("controller {} serves FabricService and AdminService on {}:{} (etcd {}, keys under {}, lease TTL {}s,"
                    + " reclaim grace {}s)", config.controllerId(), config.listenHost(), server.getPort(),
                    String.join(",", config.etcdEndpoints()), fabric.root(), plan.leaseTtl().toSeconds(),
                    plan.reclaimGrace().toSeconds());
            return new Controller(config, store, fabric, feed, election, server, sweeps, metricsEndpoint, page,
                    pageServer);
        } catch (RuntimeException | InterruptedException e) {
            store.close();
            throw e;
        }
    }

    /** Where {@code /metrics} is served (the real port when 0 was asked for); empty without --metrics-listen. */
    public java.util.Optional<InetSocketAddress> metricsAddress() {
        return java.util.Optional.ofNullable(metricsEndpoint).map(MetricsEndpoint::address);
    }

    /** Where the topology page is served (the real port when 0 was asked for); empty without --http-listen. */
    public java.util.Optional<InetSocketAddress> httpAddress() {
        return java.util.Optional.ofNullable(pageServer).map(PageServer::address);
    }

    /** How often the topology feed started over from a fresh load of etcd (tests: a resume then needs a snapshot). */
    public int topologyResets() {
        return feed.resets();
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return server.getPort();
    }

    public String controllerId() {
        return config.controllerId();
    }

    public boolean isLeader() {
        return election.isLeader();
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /** Graceful stop: resigns leadership, drains calls for a moment, closes etcd. */
    @Override
    public void close() {
        if (stop(true)) {
            log.info("controller {} stopped", config.controllerId());
        }
    }

    /** Stops abruptly, as a crash would (tests): no resign, no drain; leases expire by themselves. */
    public void kill() {
        stop(false);
    }

    /** Stops once; false if already stopped. */
    private boolean stop(boolean graceful) {
        if (!stopped.compareAndSet(false, true)) {
            return false;
        }
        sweeps.shutdownNow();
        if (metricsEndpoint != null) {
            metricsEndpoint.close();
        }
        if (pageServer != null) {
            pageServer.close();
            page.close();
        }
        if (graceful) {
            election.close();
            drain();
        } else {
            election.abandon();
            server.shutdownNow();
        }
        fabric.hosts().stopGrantingAhead();
        fabric.cache().close();
        feed.close();
        store.close();
        return true;
    }

    private void drain() {
        server.shutdown();
        try {
            if (!server.awaitTermination(3, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
    }

    /** How often the leader sweeps for dead hosts and expired grace periods: a quarter TTL, 250 ms to 2 s. */
    static Duration sweepInterval(Duration leaseTtl) {
        return Duration.ofMillis(Math.max(250, Math.min(2000, leaseTtl.toMillis() / 4)));
    }

    /**
     * One tick of a leader-only periodic task (sweep, compaction): runs only while this controller leads (a follower
     * runs {@code whenFollowing} instead); a failure is logged and the next tick tries again.
     */
    private static void asLeader(LeaderElection election, String what, Runnable task, Runnable whenFollowing) {
        if (!election.isLeader()) {
            whenFollowing.run();
            return;
        }
        try {
            task.run();
        } catch (FabricException e) {
            log.warn("{} failed, retrying at the next tick: {}", what, e.getMessage());
        } catch (RuntimeException e) {
            log.error("{} failed unexpectedly, retrying at the next tick", what, e);
        }
    }

    /** A TLS refusal by etcd will not go away by retrying: stop at start and say which --etcd-* flag to add or fix. */
    private static void refuseOnTlsMismatch(ControllerConfig config) {
        ControllerSecurity.EtcdTls tls = config.security().etcd();
        for (String endpoint : config.etcdEndpoints()) {
            java.util.Optional<String> problem = io.ovsfabric.controller.store.EtcdTlsProbe.diagnose(endpoint,
                    tls.caCert(), tls.cert(), tls.key());
            if (problem.isPresent()) {
                throw new FabricException(FabricException.Code.INVALID, problem.get());
            }
        }
    }

    private static FabricPlan bootstrapWithRetry(ControllerConfig config, FabricConfigBootstrap bootstrap) throws InterruptedException {
        Duration backoff = Duration.ofMillis(500);
        for (int attempt = 1; ; attempt++) {
            try {
                return bootstrap.ensure(config.plan());
            } catch (FabricException e) {
                if (e.code() != FabricException.Code.UNAVAILABLE) {
                    throw e;
                }
                refuseOnTlsMismatch(config);
                log.warn("etcd at {} is not reachable (attempt {}): {}; retrying in {} ms", String.join(",", config.etcdEndpoints()),
                        attempt, e.getMessage(), backoff.toMillis());
                Thread.sleep(backoff.toMillis()); // backoff between connection attempts
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }
}
