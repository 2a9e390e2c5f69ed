package io.ovsfabric.agent.wiring;

import io.ovsfabric.agent.health.ProbeSettings;
import io.ovsfabric.agent.diag.ContainerDirectory;
import io.ovsfabric.agent.diag.DiagnosticsGrpcService;
import io.ovsfabric.agent.diag.DiagnosticsServer;
import io.ovsfabric.agent.diag.HostTraceService;
import io.ovsfabric.agent.diag.OvsAppctlTracer;
import io.ovsfabric.agent.docker.engine.DockerJavaEngine;
import io.ovsfabric.agent.linux.ProcessCommandRunner;
import io.ovsfabric.agent.model.DataPlane;
import io.ovsfabric.agent.plan.DeviceNames;
import io.ovsfabric.agent.plan.DatapathMode;
import io.ovsfabric.agent.plan.LocalEndpoints;
import io.ovsfabric.agent.rpc.ControllerClient;
import io.ovsfabric.agent.rpc.HostCredentials;
import io.ovsfabric.agent.state.AgentStateStore;
import io.ovsfabric.agent.upcall.UpcallWatch;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ovsfabric.agent.metrics.AgentMetrics;
import io.ovsfabric.common.metrics.MetricsEndpoint;
import io.ovsfabric.common.metrics.Registries;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The only place that builds the agent's real adapters and starts it. */
public final class AgentWiring implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentWiring.class);

    /**
     * @param dockerHost    the Docker Engine API address; empty: no Docker plugin and no DNS server
     * @param metricsListen where {@code /metrics} is served; empty: nowhere
     * @param tunnelProbes  how the tunnels to the peers are probed (port 0: not at all)
     * @param diagListen    where the AgentDiagnostics gRPC service (ovsfabricctl trace) is served; empty: nowhere
     */
    public record Config(String controller, HostId host, Ipv4Address underlayIp, DataPlaneSettings dataPlane,
            Path stateDir, Path pluginDir, Duration resync, Optional<String> dockerHost,
            Optional<InetSocketAddress> metricsListen, ProbeSettings tunnelProbes,
            Optional<InetSocketAddress> diagListen) {

        public Config(String controller, HostId host, Ipv4Address underlayIp, DataPlaneSettings dataPlane,
                Path stateDir, Path pluginDir, Duration resync, Optional<String> dockerHost,
                Optional<InetSocketAddress> metricsListen) {
            this(controller, host, underlayIp, dataPlane, stateDir, pluginDir, resync, dockerHost, metricsListen,
                    ProbeSettings.defaults(), Optional.empty());
        }

        public Config(String controller, HostId host, Ipv4Address underlayIp, DataPlaneSettings dataPlane,
                Path stateDir, Path pluginDir, Duration resync, Optional<String> dockerHost) {
            this(controller, host, underlayIp, dataPlane, stateDir, pluginDir, resync, dockerHost, Optional.empty());
        }

        public Config(String controller, HostId host, Ipv4Address underlayIp, DataPlaneSettings dataPlane,
                Path stateDir, Path pluginDir, Duration resync) {
            this(controller, host, underlayIp, dataPlane, stateDir, pluginDir, resync, Optional.empty());
        }
    }

    private final ControllerClient client;
    private final DataPlane dataPlane;
    private final AgentRuntime runtime;
    private final DockerWiring docker;
    private final MetricsEndpoint metricsEndpoint;   // null: no --metrics-listen
    private final TunnelHealth tunnels;              // null: no probing
    private final DiagnosticsListener diagnostics;   // null: --diag-listen off
    private UpcallWatch upcallWatch;                 // null: not the kernel datapath

    private AgentWiring(ControllerClient client, DataPlane dataPlane, AgentRuntime runtime, DockerWiring docker,
            MetricsEndpoint metricsEndpoint, TunnelHealth tunnels, DiagnosticsListener diagnostics) {
        this.metricsEndpoint = metricsEndpoint;
        this.tunnels = tunnels;
        this.diagnostics = diagnostics;
        this.client = client;
        this.dataPlane = dataPlane;
        this.runtime = runtime;
        this.docker = docker;
    }

    /** The real data plane: OVS through OVSDB and OpenFlow, Linux through ip/iptables. */
    public static DataPlaneFactory dataPlaneFactory() {
        return new OvsDataPlaneFactory(AgentMetrics.none());
    }

    /** Without TLS (tests). */
    public static AgentWiring start(Config config) {
        return start(config, HostCredentials.insecure());
    }

    public static AgentWiring start(Config config, HostCredentials credentials) {
        return start(config, credentials, UpcallWatch.Options.reportOnly());
    }

    /** @param upcalls what to do about a kernel datapath without upcall threads (OVS 3.1's bug, {@link UpcallWatch}) */
    public static AgentWiring start(Config config, HostCredentials credentials, UpcallWatch.Options upcalls) {
        // The data plane reads the Docker plugin's endpoints and published ports at every pass: none without Docker,
        // "not known yet" (leave them alone) until the plugin has loaded its state.
        AtomicReference<DockerWiring> dockerSide = new AtomicReference<>();
        boolean withDocker = config.dockerHost().isPresent();
        // the datapath is decided once, here: the data plane and the registration's capabilities use the same one
        DataPlaneSettings dataPlaneSettings = config.dataPlane().resolved();
        PrometheusMeterRegistry registry = Registries.prometheus("agent", HostFacts.AGENT_VERSION);
        AgentMetrics metrics = new AgentMetrics(registry);
        DataPlane dataPlane = new OvsDataPlaneFactory(metrics).open(dataPlaneSettings, () -> withDocker
                ? Optional.ofNullable(dockerSide.get()).flatMap(DockerWiring::localEndpoints)
                : Optional.of(LocalEndpoints.NONE));
        dataPlane = metrics.meter(dataPlane);
        // the one controller client: one channel under the host's membership and the Docker side
        ControllerClient client = ControllerClient.connect(config.controller(), credentials);
        AgentRuntime.Options defaults = AgentRuntime.Options.defaults(config.host(), config.underlayIp(),
                HostFacts.underlayMtu(config.dataPlane().underlayInterface()),
                HostFacts.capabilities(dataPlaneSettings.datapath()));
        AgentRuntime.Options options = new AgentRuntime.Options(defaults.host(), defaults.underlayIp(),
                defaults.underlayMtu(), defaults.capabilities(), config.resync(), defaults.initialBackoff(),
                defaults.maxBackoff());
        log.info("Agent for host {} starting: controller {}, underlay {}, OVSDB {}, state {}", config.host(),
                config.controller(), config.underlayIp(), config.dataPlane().ovsdb(), config.stateDir());
        AgentRuntime runtime = new AgentRuntime(options, client.membership(), dataPlane, new AgentStateStore(config.stateDir()));
        DockerWiring docker = null;
        if (config.dockerHost().isPresent()) {
            docker = new DockerWiring(new DockerWiring.Settings(config.host(), config.pluginDir(),
                    config.stateDir(), config.dockerHost().get(), Path.of("/etc/resolv.conf"), metrics), client.networks(),
                    runtime::requestReconcile, runtime::reconcileNow, dataPlane::endpointPorts);
            dockerSide.set(docker);
            runtime.onTopologyApplied(docker);
            log.info("Host {}: Docker plugin and DNS start after the first full pass (engine {}, plugin dir {})",
                    config.host(), config.dockerHost().get(), config.pluginDir());
        }
        MetricsEndpoint endpoint = null;
        if (config.metricsListen().isPresent()) {
            try {
                endpoint = MetricsEndpoint.start(config.metricsListen().get(), registry, () -> { });
            } catch (java.io.UncheckedIOException e) {
                if (docker != null) {
                    docker.close();
                }
                client.close();
                dataPlane.close();
                throw new io.ovsfabric.agent.AgentException(io.ovsfabric.agent.AgentException.Code.INVALID, e.getMessage(), e);
            }
            log.info("Host {}: serving /metrics on {}:{}", config.host(), endpoint.address().getHostString(),
                    endpoint.address().getPort());
        }
        TunnelHealth tunnels = null;
        if (config.tunnelProbes().enabled()) {
            tunnels = TunnelHealth.start(config.host(), config.tunnelProbes(), client.tunnelReports(config.host()), registry);
            runtime.onTopologyApplied(tunnels.prober());
        } else {
            log.info("Host {}: no tunnel probing (--tunnel-probe-port 0)", config.host());
        }
        DiagnosticsListener diagnostics = null;
        if (config.diagListen().isPresent()) {
            DataPlane traced = dataPlane;
            try {
                diagnostics = new DiagnosticsListener(() -> startDiagnostics(config, dataPlaneSettings, runtime, traced,
                        credentials), config.host());
            } catch (io.ovsfabric.agent.AgentException e) {
                if (tunnels != null) {
                    tunnels.close();
                }
                if (endpoint != null) {
                    endpoint.close();
                }
                if (docker != null) {
                    docker.close();
                }
                client.close();
                dataPlane.close();
                throw e;
            }
        }
        runtime.start();
        AgentWiring wiring = new AgentWiring(client, dataPlane, runtime, docker, endpoint, tunnels, diagnostics);
        if (dataPlaneSettings.datapath() == DatapathMode.SYSTEM) {
            wiring.upcallWatch = UpcallWatch.start(config.host(), dataPlaneSettings.ovsRundir(), upcalls,
                    ProcessCommandRunner.local(), registry);
        }
        return wiring;
    }

    /**
     * ofproto/trace on br0 through OVS's tools in this agent's namespace and run dir, the topology the runtime
     * applied, and container names from this host's Docker engine.
     */
    private static DiagnosticsServer startDiagnostics(Config config, DataPlaneSettings settings, AgentRuntime runtime,
            DataPlane dataPlane, HostCredentials credentials) {
        HostTraceService traces = new HostTraceService(config.host(), config.underlayIp(), DeviceNames.defaults(),
                runtime::currentTopology, dataPlane::endpointPorts,
                new OvsAppctlTracer(ProcessCommandRunner.local(), settings.ovsRundir()));
        Optional<ContainerDirectory> containers = config.dockerHost().map(host -> name -> {
            try (DockerJavaEngine engine = DockerJavaEngine.connect(host)) {
                return engine.inspectAddresses(name).map(c -> new ContainerDirectory.Container(c.id(), c.name(),
                        c.addresses()));
            }
        });
        boolean tls = !credentials.isInsecure();
        DiagnosticsServer server = DiagnosticsServer.start(config.diagListen().get(), credentials.serverCredentials(),
                tls, new DiagnosticsGrpcService(config.host().value(), traces, containers, tls));
        log.info("Host {}: serving AgentDiagnostics (ovsfabricctl trace) on {}:{} ({})", config.host(),
                server.address().getHostString(), server.address().getPort(),
                tls ? "mutual TLS with the host certificate, admins only" : "PLAINTEXT, --insecure");
        return server;
    }

    /** Where AgentDiagnostics is served (the real port when 0 was asked for); empty with --diag-listen off. */
    public Optional<InetSocketAddress> diagnosticsAddress() {
        return diagnostics == null ? Optional.empty() : diagnostics.address();
    }

    public AgentRuntime runtime() {
        return runtime;
    }

    /** Where {@code /metrics} is served (the real port when 0 was asked for); empty without --metrics-listen. */
    public Optional<InetSocketAddress> metricsAddress() {
        return Optional.ofNullable(metricsEndpoint).map(MetricsEndpoint::address);
    }

    @Override
    public void close() {
        if (upcallWatch != null) {
            upcallWatch.close();
        }
        if (diagnostics != null) {
            diagnostics.close();
        }
        if (metricsEndpoint != null) {
            metricsEndpoint.close();
        }
        if (docker != null) {
            docker.close();
        }
        if (tunnels != null) {
            tunnels.close();
        }
        runtime.close();
        client.close();
        dataPlane.close();
        log.info("Agent stopped; the data plane keeps forwarding with what it has");
    }
}
