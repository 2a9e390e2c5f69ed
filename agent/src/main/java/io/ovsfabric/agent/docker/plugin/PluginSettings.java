package io.ovsfabric.agent.docker.plugin;

import io.ovsfabric.common.HostId;

import java.time.Duration;
import java.util.Objects;

/**
 * What the plugin needs to know about this host.
 *
 * @param bridge         OVS bridge the endpoints' host ends join (br0)
 * @param mtu            MTU of endpoint links: the fabric's overlay MTU
 * @param abandonedGrace how long an endpoint address may stay without an endpoint before the agent releases it
 *                       (libnetwork creates the endpoint right after asking for the address; only a crash of
 *                       dockerd between the two leaves an address that Docker will never release)
 */
public record PluginSettings(HostId host, String bridge, int mtu, Duration abandonedGrace) {
    public PluginSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(bridge, "bridge");
        Objects.requireNonNull(abandonedGrace, "abandonedGrace");
    }
}
