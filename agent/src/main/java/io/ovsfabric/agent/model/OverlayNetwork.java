package io.ovsfabric.agent.model;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.TunnelKey;
import java.util.Map;
import java.util.Objects;

/**
 * A user-defined fabric network as the controller holds it: isolated from every other network by its own GRE
 * key and its own forwarding. The gateway address exists on every host that has endpoints in it (distributed).
 * The IPAM pool id Docker sees is a property of the network (a label, or derived from the id), so every host
 * computes the same one.
 */
public record OverlayNetwork(String id, String name, Cidr subnet, Ipv4Address gateway, TunnelKey tunnelKey,
        Map<String, String> labels) implements Comparable<OverlayNetwork> {

    /** Label that carries the pool id of a network first created with {@code docker network create} on a host. */
    public static final String POOL_ID_LABEL = "io.ovsfabric.pool-id";
    /** Label naming the host whose {@code docker network create} defined the network. */
    public static final String ORIGIN_HOST_LABEL = "io.ovsfabric.origin-host";

    public OverlayNetwork {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(subnet, "subnet");
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(tunnelKey, "tunnelKey");
        name = name == null ? "" : name;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** A network without labels. */
    public OverlayNetwork(String id, String name, Cidr subnet, Ipv4Address gateway, TunnelKey tunnelKey) {
        this(id, name, subnet, gateway, tunnelKey, Map.of());
    }

    /** The pool id Docker gets on every host: the one its creator chose, else derived from the network id. */
    public String poolId() {
        return labels.getOrDefault(POOL_ID_LABEL, poolIdFor(id));
    }

    public static String poolIdFor(String networkId) {
        return "ofx-" + networkId;
    }

    @Override
    public int compareTo(OverlayNetwork other) {
        return id.compareTo(other.id);
    }
}
