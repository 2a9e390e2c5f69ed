package io.ovsfabric.agent.docker;

import io.ovsfabric.common.HostId;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the Docker integration.
 *
 * @param pluginDir      where dockerd looks for plugin sockets (/run/docker/plugins); the socket is
 *                       {@code <pluginDir>/ovsfabric.sock}, which makes the driver name "ovsfabric"
 * @param stateDir       agent state dir; the plugin keeps {@code docker-plugin.json} there
 * @param bridge         OVS integration bridge the endpoints join (br0)
 * @param mtu            endpoint MTU: the fabric's overlay MTU (underlay MTU minus tunnel overhead)
 * @param syncInterval   period of the full engine/controller sync pass
 * @param abandonedGrace age after which an address Docker never bound (or never released) is given back
 */
public record DockerPluginConfig(HostId host, Path pluginDir, Path stateDir, String bridge, int mtu,
        Duration syncInterval, Duration abandonedGrace) {
    public static final String DRIVER_NAME = "ovsfabric";

    public DockerPluginConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(pluginDir, "pluginDir");
        Objects.requireNonNull(stateDir, "stateDir");
    }

    public static DockerPluginConfig defaults(HostId host, Path pluginDir, Path stateDir, int mtu) {
        return new DockerPluginConfig(host, pluginDir, stateDir, "br0", mtu, Duration.ofSeconds(30), Duration.ofMinutes(2));
    }

    public Path socket() {
        return pluginDir.resolve(DRIVER_NAME + ".sock");
    }
}
