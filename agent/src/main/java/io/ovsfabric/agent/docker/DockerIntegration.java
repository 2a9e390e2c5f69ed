package io.ovsfabric.agent.docker;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.docker.engine.ContainerEngine;
import io.ovsfabric.agent.docker.engine.DataPlaneView;
import io.ovsfabric.agent.docker.engine.EngineSync;
import io.ovsfabric.agent.rpc.FabricNetworks;
import io.ovsfabric.agent.docker.plugin.DataPlanePass;
import io.ovsfabric.agent.docker.plugin.FilePluginStateStore;
import io.ovsfabric.agent.docker.plugin.PluginRuntime;
import io.ovsfabric.agent.docker.plugin.PluginSettings;
import io.ovsfabric.agent.docker.server.PluginServer;
import io.ovsfabric.agent.metrics.AgentMetrics;
import io.ovsfabric.agent.linux.PortProbe;
import io.ovsfabric.agent.plan.LocalEndpoints;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;

/**
 * The agent's Docker side, started as one piece by the wiring: the network + IPAM plugin on its socket (state
 * loaded, crash leftovers released first) and the engine sync. The wiring owns the seams it passes in. The data plane
 * builds what the plugin records ({@link #localEndpoints()}); the plugin asks it for passes through
 * {@link DataPlanePass}.
 */
public final class DockerIntegration implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DockerIntegration.class);

    private final PluginRuntime plugin;
    private final PluginServer server;
    private final EngineSync sync;

    private DockerIntegration(PluginRuntime plugin, PluginServer server, EngineSync sync) {
        this.plugin = plugin;
        this.server = server;
        this.sync = sync;
    }

    /**
     * @param pass      runs data plane passes for the plugin's calls (and waits for them)
     * @param ports     the bind probe for host ports to publish
     * @param dataPlane the bridge's endpoint ports and the applied topology revision, for `ipam check`
     */
    public static DockerIntegration start(DockerPluginConfig config, FabricNetworks fabric, DataPlanePass pass,
            PortProbe ports, ContainerEngine engine, DataPlaneView dataPlane, Clock clock) {
        return start(config, fabric, pass, ports, engine, dataPlane, clock, AgentMetrics.none());
    }

    /** The same, counting plugin calls in {@code metrics}. */
    public static DockerIntegration start(DockerPluginConfig config, FabricNetworks fabric, DataPlanePass pass,
            PortProbe ports, ContainerEngine engine, DataPlaneView dataPlane, Clock clock, AgentMetrics metrics) {
        PluginRuntime plugin = PluginRuntime.open(new FilePluginStateStore(config.stateDir()), fabric, pass, ports,
                new PluginSettings(config.host(), config.bridge(), config.mtu(), config.abandonedGrace()), clock);
        try {
            plugin.recover();
        } catch (AgentException e) {
            log.warn("cannot release crash leftovers now, the periodic pass retries: {}", e.getMessage());
        }
        pass.requestSoon();   // the state is known now: the data plane puts back what a restart or reboot lost
        PluginServer server = PluginServer.start(config.socket(), plugin.protocol(), metrics);
        EngineSync sync = new EngineSync(engine, fabric, plugin, config.host(), dataPlane);
        sync.start(config.syncInterval());
        return new DockerIntegration(plugin, server, sync);
    }

    /** What the data plane must build for the plugin: read by every pass, without the plugin's lock. */
    public LocalEndpoints localEndpoints() {
        return plugin.localEndpoints();
    }

    /** Call when the controller's networks changed (topology stream): the engine follows soon. */
    public void fabricChanged() {
        sync.requestSync();
    }

    @Override
    public void close() {
        sync.close();
        server.close();
    }
}
