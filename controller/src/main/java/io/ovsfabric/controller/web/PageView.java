package io.ovsfabric.controller.web;

import io.ovsfabric.controller.model.EndpointRecord;
import io.ovsfabric.controller.model.FabricPlan;
import io.ovsfabric.controller.model.HostView;
import io.ovsfabric.controller.model.NetworkRecord;
import java.util.List;

/**
 * Everything the page shows at one moment (what {@code /api/topology} and each {@code /events} message carry).
 *
 * @param revision        etcd revision of the topology shown (0 before the first load)
 * @param controllerId    the controller serving the page
 * @param stale           why the view does not follow etcd right now, or null when it does
 * @param plan            the fabric plan, null before the first load
 * @param hosts           every host, by id
 * @param tunnels         one per pair of hosts that tunnel to each other (neither RESERVED), by ends
 * @param tunnelsOmitted  tunnels left out to keep the page small (only happens past {@link PageModel#MAX_FULL_MESH_HOSTS} hosts)
 * @param networks        user networks with their endpoints
 * @param events          recent events, newest first
 */
public record PageView(long revision, String controllerId, String stale, FabricPlan plan, List<HostRow> hosts,
        List<TunnelRow> tunnels, int tunnelsOmitted, List<NetworkRow> networks, List<PageEvent> events) {

    public PageView {
        hosts = List.copyOf(hosts);
        tunnels = List.copyOf(tunnels);
        networks = List.copyOf(networks);
        events = List.copyOf(events);
    }

    /** A host, its derived state ({@code LEFT} for one that deregistered) and how many endpoints it holds. */
    public record HostRow(HostView view, String state, int endpoints) {}

    /** The tunnel between hosts {@code a} and {@code b} (a before b): both directions and their combination. */
    public record TunnelRow(String a, String b, TunnelHealth health, TunnelHealth aToB, TunnelHealth bToA) {}

    public record NetworkRow(NetworkRecord network, List<EndpointRecord> endpoints) {
        public NetworkRow {
            endpoints = List.copyOf(endpoints);
        }
    }
}
