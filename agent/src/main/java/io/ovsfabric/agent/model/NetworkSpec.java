package io.ovsfabric.agent.model;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** What a new fabric network should be; the controller picks its id and tunnel key. */
public record NetworkSpec(String name, Cidr subnet, Optional<Ipv4Address> gateway, Map<String, String> labels) {
    public NetworkSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(subnet, "subnet");
        Objects.requireNonNull(gateway, "gateway");
        labels = Map.copyOf(labels);
    }
}
