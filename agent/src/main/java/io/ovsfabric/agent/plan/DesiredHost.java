package io.ovsfabric.agent.plan;

import java.util.List;

/**
 * What the host should look like for one topology: computed by {@link HostPlanner}, compared with an
 * {@link ObservedHost} by {@link HostDiff}.
 *
 * @param routes     gateway routes that must exist (netdev mode: the underlay's, moved to the underlay bridge)
 * @param overlayMtu the MTU applied to docker0 and the veths
 * @param keepEndpoints the Docker plugin's endpoints are not known yet: stale-looking endpoint ports and veths are
 *                      left alone, never removed (the published-port chain too, see {@link FilterRules#leaveAlone()})
 */
public record DesiredHost(List<BridgeSpec> bridges, List<Flow> flows, List<LinkSpec> links, List<Route> routes,
        List<Route> routesToRemove, FilterRules filter, int overlayMtu, boolean keepEndpoints) {

    public DesiredHost(List<BridgeSpec> bridges, List<Flow> flows, List<LinkSpec> links, List<Route> routes,
            List<Route> routesToRemove, FilterRules filter, int overlayMtu) {
        this(bridges, flows, links, routes, routesToRemove, filter, overlayMtu, false);
    }

    public DesiredHost {
        bridges = List.copyOf(bridges);
        flows = List.copyOf(flows);
        links = List.copyOf(links);
        routes = List.copyOf(routes);
        routesToRemove = List.copyOf(routesToRemove);
    }
}
