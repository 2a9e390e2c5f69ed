package io.ovsfabric.agent.model;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import java.util.Objects;

/**
 * A user-defined fabric network as the controller streams it: isolated from every other network by its own GRE
 * key and its own forwarding. The gateway address exists on every host that has endpoints in it (distributed).
 */
public record OverlayNetwork(String id, String name, Cidr subnet, Ipv4Address gateway, long tunnelKey)
        implements Comparable<OverlayNetwork> {

    public OverlayNetwork {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(subnet, "subnet");
        Objects.requireNonNull(gateway, "gateway");
        name = name == null ? "" : name;
    }

    @Override
    public int compareTo(OverlayNetwork other) {
        return id.compareTo(other.id);
    }
}
