package io.ovsfabric.agent.wiring;

import io.ovsfabric.agent.dns.DnsConfig;
import io.ovsfabric.agent.dns.EndpointDirectory;
import io.ovsfabric.agent.dns.FabricDnsServer;
import io.ovsfabric.agent.dns.FabricEndpointDirectory;
import io.ovsfabric.agent.dns.ResolvConf;
import io.ovsfabric.agent.docker.DockerIntegration;
import io.ovsfabric.agent.docker.DockerPluginConfig;
import io.ovsfabric.agent.docker.engine.DataPlaneView;
import io.ovsfabric.agent.docker.engine.DockerJavaEngine;
import io.ovsfabric.agent.AgentException;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's Docker side, started once the host is registered (the plugin needs the host's MTU, the DNS server the
 * host's gateway address): the network + IPAM plugin on {@code <plugin-dir>/ovsfabric.sock}, the engine sync, and the
 * fabric DNS server on the gateway address, port 53. Fed by the reconcile loop with every applied topology: the DNS
 * names follow the topology stream, and a change of networks makes the engine sync run at once.
 */
final class DockerWiring implements Consumer<Topology>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DockerWiring.class);

    /** How long a plugin call waits for the data plane pass it asked for (Docker's own call timeout is longer). */
    static final Duration PASS_TIMEOUT = Duration.ofSeconds(15);

    /** @param dockerHost Docker Engine API address, e.g. unix:///var/run/docker.sock */
    record Settings(HostId host, Path pluginDir, Path stateDir, String dockerHost, Path resolvConf) {}

    private final Settings settings;
    private final FabricNetworks controller;
    private final Runnable reconcileSoon;
    private final Supplier<List<AttachedPort>> bridgePorts;
    private final FabricEndpointDirectory directory = new FabricEndpointDirectory();
    private final Supplier<CompletableFuture<Void>> reconcileNow;
    private volatile DockerIntegration docker;
    private FabricDnsServer dns;
    private List<OverlayNetwork> networks = List.of();
    private boolean closed;
    private volatile long appliedRevision;

    /**
     * @param controller  the networks role of the agent's one controller client (the wiring closes it)
     * @param reconcileNow a data plane pass that starts after the call, and its end ({@code AgentRuntime.reconcileNow})
     * @param bridgePorts the data plane's {@code endpointPorts()}: what the plugin's ports really are in OVS
     */
    DockerWiring(Settings settings, FabricNetworks controller, Runnable reconcileSoon,
            Supplier<CompletableFuture<Void>> reconcileNow, Supplier<List<AttachedPort>> bridgePorts) {
        this.settings = settings;
        this.controller = controller;
        this.reconcileSoon = reconcileSoon;
        this.reconcileNow = reconcileNow;
        this.bridgePorts = bridgePorts;
    }

    /**
     * The data plane's input from the plugin: its endpoints and published ports; empty until the plugin has loaded
     * its state (the data plane then leaves endpoint objects alone). Never blocks.
     */
    Optional<LocalEndpoints> localEndpoints() {
        DockerIntegration running = docker;
        return running == null ? Optional.empty() : Optional.of(running.localEndpoints());
    }

    @Override
    public synchronized void accept(Topology topology) {
        if (closed) {
            return;
        }
        appliedRevision = topology.revision();
        directory.update(new EndpointDirectory.Snapshot(topology.networks(), topology.endpoints()));
        if (dns == null) {
            try {
                startDns(topology);
            } catch (RuntimeException e) {
                log.warn("Host {}: cannot start the DNS server yet ({}); retrying at the next pass", settings.host(),
                        e.getMessage());
            }
        }
        if (docker == null) {
            try {
                startDocker(topology);
            } catch (RuntimeException e) {
                log.warn("Host {}: cannot start the Docker plugin yet ({}); retrying at the next pass",
                        settings.host(), e.getMessage());
            }
        } else if (!topology.networks().equals(networks)) {
            docker.fabricChanged();
        }
        networks = topology.networks();
    }

    private void startDocker(Topology topology) {
        docker = DockerIntegration.start(DockerPluginConfig.defaults(settings.host(), settings.pluginDir(),
                        settings.stateDir(), topology.self().mtu()),
                controller, new RuntimePass(reconcileNow, reconcileSoon), new SocketPortProbe(),
                DockerJavaEngine.connect(settings.dockerHost()), new DataPlaneView() {
                    @Override
                    public List<AttachedPort> endpointPorts() {
                        return bridgePorts.get();
                    }

                    @Override
                    public long appliedRevision() {
                        return appliedRevision;
                    }

                    @Override
                    public void requestReconcile() {
                        reconcileSoon.run();
                    }
                }, Clock.systemUTC());
        log.info("Host {}: Docker plugin '{}' serving {}, engine {}", settings.host(), DockerPluginConfig.DRIVER_NAME,
                settings.pluginDir().resolve("ovsfabric.sock"), settings.dockerHost());
    }

    private void startDns(Topology topology) {
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
        dns = FabricDnsServer.start(new DnsConfig(List.of(listen), upstreams, 5, Duration.ofSeconds(2)), directory);
        log.info("Host {}: DNS for fabric names on {} (UDP and TCP), other names relayed to {}", settings.host(),
                listen, upstreams);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (docker != null) {
            docker.close();
        }
        if (dns != null) {
            dns.close();
        }
        directory.close();
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
