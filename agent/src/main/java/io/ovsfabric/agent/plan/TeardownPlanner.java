package io.ovsfabric.agent.plan;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything marked as ours, to be removed: bridges with our external_ids (their flows go with them), our ports
 * on other bridges, links with our alias, chains with our prefix. The underlay address and routes go back to the
 * underlay interface. Nothing unmarked is touched.
 */
public final class TeardownPlanner {
    private TeardownPlanner() {}

    public static List<Change> changes(ObservedHost observed) {
        List<Change> changes = new ArrayList<>();
        for (ObservedBridge bridge : observed.bridges()) {
            if (bridge.owned()) {
                changes.addAll(removeBridge(bridge, observed));
            } else {
                bridge.ports().stream().filter(ObservedPort::owned)
                        .forEach(p -> changes.add(new Change.DeletePort(bridge.name(), p.name())));
            }
        }
        Set<String> gone = new HashSet<>();
        for (LinkState link : observed.links()) {
            if (!link.owned() || gone.contains(link.name())) {
                continue;
            }
            if ("bridge".equals(link.kind()) && hasForeignMembers(link, observed)) {
                continue;  // a bridge we created that others now use (Docker's containers): leave it to them
            }
            changes.add(new Change.DeleteLink(link.name()));
            gone.add(link.name());
            if (link.peer() != null) {
                gone.add(link.peer());
            }
        }
        if (FilterPlanner.TABLES.stream().anyMatch(t -> !observed.filter().ownedChains(t).isEmpty())) {
            changes.add(new Change.SyncFilter(FilterDiff.teardownScript(observed.filter()), "remove ovsfabric chains"));
        }
        return changes;
    }

    /** Deletes an owned bridge and, for the underlay bridge, gives the address and routes back to the interface. */
    static List<Change> removeBridge(ObservedBridge bridge, ObservedHost observed) {
        List<Change> changes = new ArrayList<>();
        changes.add(new Change.DeleteBridge(bridge.name()));
        Map<String, String> ids = bridge.externalIds();
        String device = ids.get(Ownership.UNDERLAY_INTERFACE_KEY);
        String address = ids.get(Ownership.UNDERLAY_ADDRESS_KEY);
        if (device == null || address == null || observed.link(device).isEmpty()) {
            return changes;
        }
        InterfaceAddress wanted = InterfaceAddress.parse(address);
        if (!observed.link(device).get().addresses().contains(wanted)) {
            changes.add(new Change.AddAddress(device, wanted));
        }
        changes.add(new Change.SetLink(device, null, true, null, null));
        for (String text : UnderlayFacts.splitStored(ids.get(Ownership.UNDERLAY_ROUTES_KEY))) {
            Route route = Route.parseStored(text, device);
            if (!observed.routes().contains(route)) {
                changes.add(new Change.AddRoute(route));
            }
        }
        return changes;
    }

    private static boolean hasForeignMembers(LinkState bridge, ObservedHost observed) {
        return observed.links().stream().anyMatch(l -> bridge.name().equals(l.master()) && !l.owned());
    }
}
