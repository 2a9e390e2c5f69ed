package io.ovsfabric.controller.model;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import java.util.Map;
import java.util.TreeMap;

/** A user-defined multi-host network: its own subnet and its own GRE key (isolated from every other network). */
public record NetworkRecord(String id, String name, Cidr subnet, Ipv4Address gateway, long tunnelKey,
        Map<String, String> labels, long createdAtMs) {
    public NetworkRecord {
        labels = labels == null ? Map.of() : Map.copyOf(new TreeMap<>(labels));
    }
}
