package io.ovsfabric.agent.plan;

import io.ovsfabric.common.Ipv4Address;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the agent read back from the host in one pass: OVSDB bridges, the flows carrying our cookie on
 * bridges we own, Linux links and gateway routes, TX checksum offload of the links it asked about, iptables.
 */
public record ObservedHost(List<ObservedBridge> bridges, List<Flow> flows, List<LinkState> links, List<Route> routes,
        Map<String, Boolean> txChecksum, FilterState filter) {

    public ObservedHost {
        bridges = List.copyOf(bridges);
        flows = List.copyOf(flows);
        links = List.copyOf(links);
        routes = List.copyOf(routes);
        txChecksum = Map.copyOf(txChecksum);
    }

    public Optional<ObservedBridge> bridge(String name) {
        return bridges.stream().filter(b -> b.name().equals(name)).findFirst();
    }

    public Optional<LinkState> link(String name) {
        return links.stream().filter(l -> l.name().equals(name)).findFirst();
    }

    /** The link carrying this address, if any. */
    public Optional<LinkState> linkHolding(Ipv4Address address) {
        return links.stream().filter(l -> l.addresses().stream().anyMatch(a -> a.address().equals(address)))
                .findFirst();
    }

    public List<Route> routesVia(String device) {
        return routes.stream().filter(r -> r.device().equals(device)).toList();
    }
}
