package io.ovsfabric.agent.docker.engine;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;

import java.util.Map;

/** {@code docker network create -d DRIVER --ipam-driver IPAM --subnet S --gateway G -o k=v --label k=v NAME}. */
public record EngineNetworkSpec(String name, String driver, String ipamDriver, Cidr subnet, Ipv4Address gateway,
        Map<String, String> options, Map<String, String> labels) {
    public EngineNetworkSpec {
        options = Map.copyOf(options);
        labels = Map.copyOf(labels);
    }
}
