package io.ovsfabric.agent.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * The ordered changes that turn the observed host into the desired one; empty when they already match.
 * Order: bridges, links the ports need, ports, link settings and new addresses, routes and old addresses (the
 * underlay moves add-first), flows, iptables, and last the removal of stale objects marked as ours.
 */
public final class HostDiff {
    private HostDiff() {}

    public static List<Change> changes(DesiredHost desired, ObservedHost observed) {
        SwitchDiff switches = SwitchDiff.of(desired.bridges(), observed, desired.keepEndpoints());
        LinkDiff links = LinkDiff.of(desired.links(), observed, desired.keepEndpoints());
        List<Change> changes = new ArrayList<>(switches.bridgeUpdates());
        changes.addAll(links.creations());
        changes.addAll(switches.portUpdates());
        changes.addAll(links.settings());
        for (Route route : desired.routesToRemove()) {
            if (observed.routes().contains(route)) {
                changes.add(new Change.DeleteRoute(route));
            }
        }
        changes.addAll(links.addressRemovals());
        for (Route route : desired.routes()) {
            if (!observed.routes().contains(route)) {
                changes.add(new Change.AddRoute(route));
            }
        }
        changes.addAll(FlowDiff.changes(desired.flows(), observed.flows()));
        FilterDiff.change(desired.filter(), observed.filter()).ifPresent(changes::add);
        changes.addAll(switches.removals());
        changes.addAll(links.removals());
        return changes;
    }
}
