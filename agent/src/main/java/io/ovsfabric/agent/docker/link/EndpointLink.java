package io.ovsfabric.agent.docker.link;

import io.ovsfabric.agent.docker.MacAddress;

import java.util.Map;
import java.util.Objects;

/**
 * The veth pair of one endpoint: the host end is a port of {@code bridge} tagged with {@code externalIds}; the
 * container end is what Docker moves into the sandbox and renames (eth0, eth1, ...).
 */
public record EndpointLink(String hostInterface, String containerInterface, MacAddress mac, int mtu, String bridge,
        Map<String, String> externalIds) {

    /** Marks every OVS port the agent owns (the data plane uses the same key). */
    public static final String OWNER_KEY = "ovsfabric-owner";
    public static final String OWNER_VALUE = "agent";

    public EndpointLink {
        requireInterfaceName(hostInterface);
        requireInterfaceName(containerInterface);
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(bridge, "bridge");
        if (mtu < 68 || mtu > 65535) {
            throw new IllegalArgumentException("MTU " + mtu + " is outside 68-65535");
        }
        externalIds = Map.copyOf(externalIds);
    }

    private static void requireInterfaceName(String name) {
        if (name == null || name.isEmpty() || name.length() > 15 || !name.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("'" + name + "' is not a Linux interface name (1-15 of [A-Za-z0-9_.-])");
        }
    }
}
