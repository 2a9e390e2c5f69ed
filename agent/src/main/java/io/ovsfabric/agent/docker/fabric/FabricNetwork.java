package io.ovsfabric.agent.docker.fabric;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;

import java.util.Map;
import java.util.Objects;

/**
 * A user network of the fabric as the controller stores it: one subnet, one gateway, its own tunnel key.
 * The IPAM pool id Docker sees is a property of the network, so every host computes the same one.
 */
public record FabricNetwork(String id, String name, Cidr subnet, Ipv4Address gateway, long tunnelKey,
        Map<String, String> labels) {

    /** Label that carries the pool id of a network first created with {@code docker network create} on a host. */
    public static final String POOL_ID_LABEL = "io.ovsfabric.pool-id";
    /** Label naming the host whose {@code docker network create} defined the network. */
    public static final String ORIGIN_HOST_LABEL = "io.ovsfabric.origin-host";

    public FabricNetwork {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(subnet, "subnet");
        Objects.requireNonNull(gateway, "gateway");
        labels = Map.copyOf(labels);
    }

    /** The pool id Docker gets on every host: the one its creator chose, else derived from the network id. */
    public String poolId() {
        return labels.getOrDefault(POOL_ID_LABEL, poolIdFor(id));
    }

    public static String poolIdFor(String networkId) {
        return "ofx-" + networkId;
    }
}
