package io.ovsfabric.agent.wiring;

import io.ovsfabric.agent.model.DataPlane;
import io.ovsfabric.agent.plan.LocalEndpoints;
import io.ovsfabric.agent.rpc.ControllerClient;
import io.ovsfabric.agent.rpc.HostCredentials;
import io.ovsfabric.agent.state.AgentStateStore;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The only place that builds the agent's real adapters and starts it. */
public final class AgentWiring implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentWiring.class);

    /** @param dockerHost the Docker Engine API address; empty: no Docker plugin and no DNS server */
    public record Config(String controller, HostId host, Ipv4Address underlayIp, DataPlaneSettings dataPlane,
            Path stateDir, Path pluginDir, Duration resync, Optional<String> dockerHost) {

        public Config(String controller, HostId host, Ipv4Address underlayIp, DataPlaneSettings dataPlane,
                Path stateDir, Path pluginDir, Duration resync) {
            this(controller, host, underlayIp, dataPlane, stateDir, pluginDir, resync, Optional.empty());
        }
    }

    private final ControllerClient client;
    private final DataPlane dataPlane;
    private final AgentRuntime runtime;
    private final DockerWiring docker;

    private AgentWiring(ControllerClient client, DataPlane dataPlane, AgentRuntime runtime, DockerWiring docker) {
        this.client = client;
        this.dataPlane = dataPlane;
        this.runtime = runtime;
        this.docker = docker;
    }

    /** The real data plane: OVS through OVSDB and OpenFlow, Linux through ip/iptables. */
    public static DataPlaneFactory dataPlaneFactory() {
        return new OvsDataPlaneFactory();
    }

    /** Without TLS (tests). */
    public static AgentWiring start(Config config) {
        return start(config, HostCredentials.insecure());
    }

    public static AgentWiring start(Config config, HostCredentials credentials) {
        // The data plane reads the Docker plugin's endpoints and published ports at every pass: none without Docker,
        // "not known yet" (leave them alone) until the plugin has loaded its state.
        AtomicReference<DockerWiring> dockerSide = new AtomicReference<>();
        boolean withDocker = config.dockerHost().isPresent();
        // the datapath is decided once, here: the data plane and the registration's capabilities use the same one
        DataPlaneSettings dataPlaneSettings = config.dataPlane().resolved();
        DataPlane dataPlane = dataPlaneFactory().open(dataPlaneSettings, () -> withDocker
                ? Optional.ofNullable(dockerSide.get()).flatMap(DockerWiring::localEndpoints)
                : Optional.of(LocalEndpoints.NONE));
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
                    config.stateDir(), config.dockerHost().get(), Path.of("/etc/resolv.conf")), client.networks(),
                    runtime::requestReconcile, runtime::reconcileNow, dataPlane::endpointPorts);
            dockerSide.set(docker);
            runtime.onTopologyApplied(docker);
            log.info("Host {}: Docker plugin and DNS start after the first full pass (engine {}, plugin dir {})",
                    config.host(), config.dockerHost().get(), config.pluginDir());
        }
        runtime.start();
        return new AgentWiring(client, dataPlane, runtime, docker);
    }

    public AgentRuntime runtime() {
        return runtime;
    }

    @Override
    public void close() {
        if (docker != null) {
            docker.close();
        }
        runtime.close();
        client.close();
        dataPlane.close();
        log.info("Agent stopped; the data plane keeps forwarding with what it has");
    }
}
