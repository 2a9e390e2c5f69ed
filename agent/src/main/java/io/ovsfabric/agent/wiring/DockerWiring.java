package io.ovsfabric.agent.wiring;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.dns.DnsConfig;
import io.ovsfabric.agent.dns.EndpointDirectory;
import io.ovsfabric.agent.dns.FabricDnsServer;
import io.ovsfabric.agent.metrics.AgentMetrics;
import io.ovsfabric.agent.dns.FabricEndpointDirectory;
import io.ovsfabric.agent.dns.ResolvConf;
import io.ovsfabric.agent.docker.DockerIntegration;
import io.ovsfabric.agent.docker.DockerPluginConfig;
import io.ovsfabric.agent.docker.engine.DataPlaneView;
import io.ovsfabric.agent.docker.engine.DockerJavaEngine;
import io.ovsfabric.agent.docker.plugin.DataPlanePass;
import io.ovsfabric.agent.linux.SocketPortProbe;
import io.ovsfabric.agent.model.AttachedPort;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.model.Topology;
import io.ovsfabric.agent.plan.LocalEndpoints;
import io.ovsfabric.agent.rpc.FabricNetworks;
import io.ovsfabric.common.HostId;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's Docker side, started once the host is registered (the plugin needs the host's MTU, the DNS server the
 * host's gateway address): the network + IPAM plugin on {@code <plugin-dir>/ovsfabric.sock}, the engine sync, and the
 * fabric DNS server on the gateway address, port 53. Fed by the reconcile loop with every applied topology: the DNS
 * names follow the topology stream, and a change of networks makes the engine sync run at once.
 *
 * <p>Start-up (the plugin's state and its recovery over gRPC, the engine connection, the DNS sockets) and its retries
 * run on this class's own single thread, never on the reconcile thread: {@link #accept} only updates the DNS
 * directory (a reference swap) and hands the topology over. A Docker engine or a controller that hangs delays the
 * Docker side only; passes go on. Hand-overs coalesce: the start-up thread always works on the latest topology.
 */
final class DockerWiring implements Consumer<Topology>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DockerWiring.class);

    /** How long a plugin call waits for the data plane pass it asked for (Docker's own call timeout is longer). */
    static final Duration PASS_TIMEOUT = Duration.ofSeconds(15);

    /** @param dockerHost Docker Engine API address, e.g. unix:///var/run/docker.sock */
    record Settings(HostId host, Path pluginDir, Path stateDir, String dockerHost, Path resolvConf, AgentMetrics metrics) {
        Settings(HostId host, Path pluginDir, Path stateDir, String dockerHost, Path resolvConf) {
            this(host, pluginDir, stateDir, dockerHost, resolvConf, AgentMetrics.none());
        }
    }

    /** What start-up builds, one piece at a time; each may block (a seam so tests can make it hang). */
    interface Startup {
        /** The plugin, its recovered state and the engine sync, connected to the engine. */
        DockerIntegration docker(Topology topology);

        /** The DNS server on the host's gateway address. */
        AutoCloseable dns(Topology topology);
    }

    private final Settings settings;
    private final FabricEndpointDirectory directory = new FabricEndpointDirectory();
    private final Startup startup;
    private final ExecutorService starter;
    private final AtomicReference<Topology> handedOver = new AtomicReference<>();
    private volatile DockerIntegration docker;
    private volatile AutoCloseable dns;
    private volatile boolean closed;
    private volatile long appliedRevision;
    private List<OverlayNetwork> networks = List.of();   // the start-up thread's only

    /**
     * @param controller  the networks role of the agent's one controller client (the wiring closes it)
     * @param reconcileNow a data plane pass that starts after the call, and its end ({@code AgentRuntime.reconcileNow})
     * @param bridgePorts the data plane's {@code endpointPorts()}: what the plugin's ports really are in OVS
     */
    DockerWiring(Settings settings, FabricNetworks controller, Runnable reconcileSoon,
            Supplier<CompletableFuture<Void>> reconcileNow, Supplier<List<AttachedPort>> bridgePorts) {
        this.settings = settings;
        this.startup = new RealStartup(settings, controller, reconcileSoon, reconcileNow, bridgePorts,
                () -> appliedRevision, directory);
        this.starter = startupThread(settings.host());
    }

    /** With another start-up (tests). */
    DockerWiring(Settings settings, Startup startup) {
        this.settings = settings;
        this.startup = startup;
        this.starter = startupThread(settings.host());
    }

    private static ExecutorService startupThread(HostId host) {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "docker-startup-" + host);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The data plane's input from the plugin: its endpoints and published ports; empty until the plugin has loaded
     * its state (the data plane then leaves endpoint objects alone). Never blocks.
     */
    Optional<LocalEndpoints> localEndpoints() {
        DockerIntegration running = docker;
        return running == null ? Optional.empty() : Optional.of(running.localEndpoints());
    }

    /** On the reconcile thread: cheap and never blocking. */
    @Override
    public void accept(Topology topology) {
        if (closed) {
            return;
        }
        appliedRevision = topology.revision();
        directory.update(new EndpointDirectory.Snapshot(topology.networks(), topology.endpoints()));
        if (handedOver.getAndSet(topology) == null) {
            try {
                starter.execute(this::onStartupThread);
            } catch (RejectedExecutionException e) {
                // closing
            }
        }
    }

    /** Starts what is not running yet (a failure is retried at the next hand-over, i.e. the next pass). */
    private void onStartupThread() {
        Topology topology = handedOver.getAndSet(null);
        if (topology == null || closed) {
            return;
        }
        if (dns == null) {
            try {
                dns = keepUnlessClosed(startup.dns(topology));
            } catch (RuntimeException e) {
                log.warn("Host {}: cannot start the DNS server yet ({}); retrying at the next pass", settings.host(),
                        e.getMessage());
            }
        }
        if (docker == null) {
            try {
                docker = keepUnlessClosed(startup.docker(topology));
            } catch (RuntimeException e) {
                log.warn("Host {}: cannot start the Docker plugin yet ({}); retrying at the next pass",
                        settings.host(), e.getMessage());
            }
        } else if (!topology.networks().equals(networks)) {
            docker.fabricChanged();
        }
        networks = topology.networks();
    }

    /** What start-up built, or null (and closed) when the wiring was closed while it was being built. */
    private <T extends AutoCloseable> T keepUnlessClosed(T started) {
        if (closed) {
            closeQuietly(started);
            return null;
        }
        return started;
    }

    @Override
    public void close() {
        closed = true;
        starter.shutdownNow();   // interrupts a start-up that hangs
        try {
            if (!starter.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("Host {}: Docker start-up did not stop within 5 s; leaving it behind", settings.host());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(docker);
        closeQuietly(dns);
        directory.close();
    }

    private void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            log.warn("Host {}: closing {} failed: {}", settings.host(), c, e.toString());
        }
    }

    /** The real start-up: the plugin and engine sync on docker-java, the DNS server on UDP and TCP port 53. */
    private record RealStartup(Settings settings, FabricNetworks controller, Runnable reconcileSoon,
            Supplier<CompletableFuture<Void>> reconcileNow, Supplier<List<AttachedPort>> bridgePorts,
            LongSupplier appliedRevision, FabricEndpointDirectory directory) implements Startup {

        @Override
        public DockerIntegration docker(Topology topology) {
            DockerIntegration started = DockerIntegration.start(DockerPluginConfig.defaults(settings.host(),
                            settings.pluginDir(), settings.stateDir(), topology.self().mtu()),
                    controller, new RuntimePass(reconcileNow, reconcileSoon), new SocketPortProbe(),
                    DockerJavaEngine.connect(settings.dockerHost()), new DataPlaneView() {
                        @Override
                        public List<AttachedPort> endpointPorts() {
                            return bridgePorts.get();
                        }

                        @Override
                        public long appliedRevision() {
                            return appliedRevision.getAsLong();
                        }

                        @Override
                        public void requestReconcile() {
                            reconcileSoon.run();
                        }
                    }, Clock.systemUTC(), settings.metrics());
            log.info("Host {}: Docker plugin '{}' serving {}, engine {}", settings.host(),
                    DockerPluginConfig.DRIVER_NAME, settings.pluginDir().resolve("ovsfabric.sock"), settings.dockerHost());
            return started;
        }

        @Override
        public AutoCloseable dns(Topology topology) {
            InetSocketAddress listen;
            try {
                listen = new InetSocketAddress(InetAddress.getByAddress(topology.self().gateway().toBytes()), 53);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("gateway " + topology.self().gateway() + " is not an address", e);
            }
            List<InetSocketAddress> upstreams;
            try {
                upstreams = ResolvConf.nameservers(settings.resolvConf(), List.of(listen));
            } catch (IOException e) {
                log.warn("Host {}: cannot read {} ({}); names outside the fabric will not resolve", settings.host(),
                        settings.resolvConf(), e.getMessage());
                upstreams = List.of();
            }
            FabricDnsServer dns = FabricDnsServer.start(new DnsConfig(List.of(listen), upstreams, 5,
                    Duration.ofSeconds(2)).withFabric(topology.fabric().fabricCidr()), directory, settings.metrics());
            log.info("Host {}: DNS for fabric names on {} (UDP and TCP), other names relayed to {}", settings.host(),
                    listen, upstreams);
            return dns;
        }
    }

    /** The plugin's passes on the agent's reconcile loop: asked for, then waited for (bounded). */
    private record RuntimePass(Supplier<CompletableFuture<Void>> reconcileNow, Runnable reconcileSoon)
            implements DataPlanePass {
        @Override
        public void applyNow(String why) {
            try {
                reconcileNow.get().get(PASS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw AgentException.unavailable(why + ": the data plane pass did not end within "
                        + PASS_TIMEOUT.toSeconds() + " s (is OVS answering?); retry", e);
            } catch (ExecutionException e) {
                throw AgentException.failed(why + ": the data plane pass failed: " + e.getCause().getMessage(),
                        e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw AgentException.unavailable(why + ": interrupted while waiting for the data plane", e);
            }
        }

        @Override
        public void requestSoon() {
            reconcileSoon.run();
        }
    }
}
