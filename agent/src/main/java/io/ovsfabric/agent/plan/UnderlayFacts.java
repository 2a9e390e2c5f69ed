package io.ovsfabric.agent.plan;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.common.Ipv4Address;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the plan needs to know about the host's underlay: the interface carrying it, the underlay address with
 * its prefix, the interface's MTU and (netdev mode) the gateway routes that move with the address onto the
 * underlay bridge, already rewritten to that bridge.
 *
 * @param address the underlay address with its prefix; null in system mode when not found (unused there)
 */
public record UnderlayFacts(String interfaceName, InterfaceAddress address, int mtu, List<Route> routes) {

    public UnderlayFacts {
        routes = List.copyOf(routes);
    }

    /**
     * Finds the underlay from what is observed. In netdev mode the address may already sit on the underlay bridge
     * (a previous run moved it there); the bridge's external_ids then name the interface and the routes.
     *
     * @throws AgentException when the underlay cannot be found; the message says which flag to check
     */
    public static UnderlayFacts resolve(Ipv4Address underlayIp, Optional<String> configuredInterface,
            DeviceNames names, DatapathMode mode, ObservedHost observed) {
        Optional<LinkState> holder = observed.linkHolding(underlayIp);
        Optional<InterfaceAddress> heldAddress = holder.flatMap(h -> h.addresses().stream()
                .filter(a -> a.address().equals(underlayIp)).findFirst());
        if (mode == DatapathMode.SYSTEM) {
            String name = configuredInterface.or(() -> holder.map(LinkState::name)).orElseThrow(() -> notFound(underlayIp));
            LinkState link = existing(observed, name);
            return new UnderlayFacts(name, heldAddress.orElse(null), link.mtu(), List.of());
        }
        String bridge = names.underlayBridge();
        Map<String, String> stored = observed.bridge(bridge).filter(ObservedBridge::owned)
                .map(ObservedBridge::externalIds).orElse(Map.of());
        boolean alreadyMoved = holder.map(h -> h.name().equals(bridge)).orElse(false);
        String name = configuredInterface
                .or(() -> holder.filter(h -> !alreadyMoved).map(LinkState::name))
                .or(() -> Optional.ofNullable(stored.get(Ownership.UNDERLAY_INTERFACE_KEY)))
                .orElseThrow(() -> notFound(underlayIp));
        if (name.equals(bridge)) {
            throw new AgentException("the underlay interface cannot be the underlay bridge " + bridge
                    + ": pass the physical interface with --underlay-interface");
        }
        if (holder.isPresent() && !alreadyMoved && !holder.get().name().equals(name)) {
            throw new AgentException("underlay IP " + underlayIp + " is on " + holder.get().name()
                    + ", not on the configured underlay interface " + name + ": fix --underlay-interface or --underlay-ip");
        }
        InterfaceAddress address = heldAddress
                .or(() -> Optional.ofNullable(stored.get(Ownership.UNDERLAY_ADDRESS_KEY)).map(InterfaceAddress::parse))
                .orElseThrow(() -> notFound(underlayIp));
        LinkState link = existing(observed, name);
        Map<String, Route> routes = new LinkedHashMap<>();
        for (String text : splitStored(stored.get(Ownership.UNDERLAY_ROUTES_KEY))) {
            Route route = Route.parseStored(text, bridge);
            routes.put(route.storedForm(), route);
        }
        for (Route route : observed.routesVia(name)) {
            routes.putIfAbsent(route.storedForm(), route.onDevice(bridge));
        }
        return new UnderlayFacts(name, address, link.mtu(), new ArrayList<>(routes.values()));
    }

    /** The routes in the form kept in the underlay bridge's external_ids. */
    public String storedRoutes() {
        return String.join(",", routes.stream().map(Route::storedForm).toList());
    }

    static List<String> splitStored(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        return List.of(text.split(","));
    }

    private static LinkState existing(ObservedHost observed, String name) {
        return observed.link(name).orElseThrow(() -> new AgentException("underlay interface " + name
                + " does not exist on this host: check --underlay-interface (ip link shows the interfaces)"));
    }

    private static AgentException notFound(Ipv4Address underlayIp) {
        return new AgentException("underlay IP " + underlayIp + " is on no interface of this host: check"
                + " --underlay-ip, or pass --underlay-interface (ip -4 addr shows the addresses)");
    }
}
