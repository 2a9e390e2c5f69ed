package io.ovsfabric.agent.plan;

import io.ovsfabric.agent.AgentException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Desired Linux links against the kernel's. The changes come in four groups that the host plan interleaves with
 * OVS changes: creations (before OVS ports use the links), settings and added addresses (after the ports exist, so
 * that OVS-created devices such as the underlay bridge's are there), address removals (after the additions: an
 * address moves by being added first) and removals of stale links marked as ours.
 */
public record LinkDiff(List<Change> creations, List<Change> settings, List<Change> addressRemovals,
        List<Change> removals) {

    /**
     * @param keepEndpointLinks leave stale endpoint veths alone (the Docker plugin's state is not known yet: never
     *                          remove a container's link for want of knowing it)
     */
    public static LinkDiff of(List<LinkSpec> desired, ObservedHost observed, boolean keepEndpointLinks) {
        List<Change> creations = new ArrayList<>();
        List<Change> settings = new ArrayList<>();
        List<Change> addressRemovals = new ArrayList<>();
        Set<String> handledPairs = new HashSet<>();
        Set<String> wanted = new HashSet<>();
        for (LinkSpec spec : desired) {
            wanted.add(spec.name());
            LinkState link = observed.link(spec.name()).orElse(null);
            boolean fresh = link == null;
            switch (spec.kind()) {
                case BRIDGE -> {
                    if (fresh) {
                        creations.add(new Change.CreateBridgeLink(spec.name(), spec.markOwned() ? Ownership.LINK_ALIAS : null));
                    } else if (!"bridge".equals(link.kind())) {
                        throw new AgentException(spec.name() + " exists but is a '" + link.kind() + "' link, not a"
                                + " Linux bridge: delete it (ip link del " + spec.name() + ") or configure another name");
                    }
                }
                case VETH -> {
                    fresh = !vethPairIntact(spec, observed);
                    if (fresh && handledPairs.add(spec.name()) && handledPairs.add(spec.peer())) {
                        for (String end : List.of(spec.name(), spec.peer())) {
                            if (observed.link(end).isPresent()) {
                                creations.add(new Change.DeleteLink(end));
                            }
                        }
                        creations.add(new Change.CreateVethPair(spec.name(), spec.peer(),
                                spec.markOwned() ? Ownership.LINK_ALIAS : null));
                    }
                }
                case SANDBOX_VETH -> {
                    wanted.add(spec.peer());
                    fresh = !sandboxVethPresent(spec, link);
                    if (fresh) {
                        creations.addAll(createSandboxVeth(spec, link, observed));
                    }
                }
                case EXISTING -> { }
            }
            LinkState current = fresh ? null : link;
            settings.addAll(settingChanges(spec, current));
            Boolean tx = current == null ? null : observed.txChecksum().get(spec.name());
            if (spec.txChecksum() != null && !spec.txChecksum().equals(tx)) {
                settings.add(new Change.SetTxChecksum(spec.name(), spec.txChecksum()));
            }
            if (spec.arp() != null && (current == null || current.noArp() == spec.arp())) {
                settings.add(new Change.SetArp(spec.name(), spec.arp()));
            }
            List<InterfaceAddress> addresses = current == null ? List.of() : current.addresses();
            for (InterfaceAddress address : spec.addresses()) {
                if (!addresses.contains(address)) {
                    settings.add(new Change.AddAddress(spec.name(), address));
                }
            }
            if (spec.removeIn() != null) {
                for (InterfaceAddress address : addresses) {
                    if (spec.removeIn().contains(address.address()) && !spec.addresses().contains(address)) {
                        addressRemovals.add(new Change.DeleteAddress(spec.name(), address));
                    }
                }
            }
        }
        List<Change> removals = new ArrayList<>();
        Set<String> removed = new HashSet<>();
        for (LinkState link : observed.links()) {
            if (keepEndpointLinks && LocalEndpoint.isEndpointLink(link.name())) {
                continue;
            }
            if (link.owned() && !wanted.contains(link.name()) && !removed.contains(link.name())) {
                removals.add(new Change.DeleteLink(link.name()));
                removed.add(link.name());
                if (link.peer() != null) {
                    removed.add(link.peer());
                }
            }
        }
        return new LinkDiff(creations, settings, addressRemovals, removals);
    }

    private static List<Change> settingChanges(LinkSpec spec, LinkState current) {
        Integer mtu = spec.mtu() > 0 && (current == null || current.mtu() != spec.mtu()) ? spec.mtu() : null;
        boolean up = current == null || !current.up();
        String master = spec.master() != null && (current == null || !spec.master().equals(current.master()))
                ? spec.master() : null;
        String alias = spec.markOwned() && (spec.kind() == LinkSpec.Kind.VETH || spec.kind() == LinkSpec.Kind.SANDBOX_VETH)
                && current != null && !current.owned()
                ? Ownership.LINK_ALIAS : null;
        if (mtu == null && !up && master == null && alias == null) {
            return List.of();
        }
        return List.of(new Change.SetLink(spec.name(), mtu, up, master, alias));
    }

    /** The host end is a veth whose peer is the container end, here or out of sight (in another namespace). */
    private static boolean sandboxVethPresent(LinkSpec spec, LinkState hostEnd) {
        return hostEnd != null && "veth".equals(hostEnd.kind())
                && (hostEnd.peer() == null || spec.peer().equals(hostEnd.peer()));
    }

    /** Removes what stands in the way, creates the pair and sets up the container end, which Docker takes next. */
    private static List<Change> createSandboxVeth(LinkSpec spec, LinkState hostEnd, ObservedHost observed) {
        List<Change> changes = new ArrayList<>();
        if (hostEnd != null) {
            changes.add(new Change.DeleteLink(spec.name()));
        }
        if (observed.link(spec.peer()).isPresent() && (hostEnd == null || !spec.peer().equals(hostEnd.peer()))) {
            changes.add(new Change.DeleteLink(spec.peer()));
        }
        changes.add(new Change.CreateVethPair(spec.name(), spec.peer(), spec.markOwned() ? Ownership.LINK_ALIAS : null));
        changes.add(new Change.SetLink(spec.peer(), spec.mtu() > 0 ? spec.mtu() : null, false, null, null));
        if (spec.peerMac() != null) {
            changes.add(new Change.SetMacAddress(spec.peer(), spec.peerMac()));
        }
        if (spec.txChecksum() != null) {
            changes.add(new Change.SetTxChecksum(spec.peer(), spec.txChecksum()));
        }
        return changes;
    }

    private static boolean vethPairIntact(LinkSpec spec, ObservedHost observed) {
        LinkState end = observed.link(spec.name()).orElse(null);
        LinkState other = observed.link(spec.peer()).orElse(null);
        return end != null && other != null && "veth".equals(end.kind()) && "veth".equals(other.kind())
                && spec.peer().equals(end.peer()) && spec.name().equals(other.peer());
    }
}
