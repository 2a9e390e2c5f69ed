package io.ovsfabric.agent.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.TunnelKey;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import java.util.List;
import org.junit.jupiter.api.Test;

class FabricViewTest {
    static final FabricSettings FABRIC = new FabricSettings(Cidr.parse("10.200.0.0/16"), 24, TunnelKey.of(1), 1500, 42, 2, "f");
    static final LocalHost SELF = new LocalHost(HostId.of("h1"), Ipv4Address.parse("192.0.2.11"),
            Cidr.parse("10.200.1.0/24"), Ipv4Address.parse("10.200.1.1"), 1458);

    static FabricHost host(int n, boolean up) {
        return new FabricHost(HostId.of("h" + n), Ipv4Address.parse("192.0.2." + (10 + n)),
                Cidr.parse("10.200." + n + ".0/24"), up);
    }

    static FabricHost host(int n, FabricHost.State state) {
        return new FabricHost(HostId.of("h" + n), Ipv4Address.parse("192.0.2." + (10 + n)),
                Cidr.parse("10.200." + n + ".0/24"), state);
    }

    @Test
    void topologyKeepsPeersThatAreUpOrOnlyDownButNeverSelfOrHostsThatLeftOrAreReserved() {
        FabricView view = FabricView.of(new TopologyUpdate.Snapshot(FABRIC,
                List.of(host(1, true), host(2, true), host(3, FabricHost.State.LEFT), host(4, true),
                        host(5, FabricHost.State.DOWN), host(6, FabricHost.State.RESERVED)), 10));
        Topology t = view.topology(SELF);
        // h5's lease expired: it may only be cut off from the controllers, so its tunnel stays
        assertEquals(List.of("h2", "h4", "h5"), t.peers().stream().map(p -> p.id().value()).toList());
        assertEquals(10, t.revision());
    }

    @Test
    void deltasApplyInOrderAndStaleOnesAreIgnored() {
        FabricView view = FabricView.of(new TopologyUpdate.Snapshot(FABRIC, List.of(host(1, true), host(2, true)), 10));
        FabricView next = view.apply(new TopologyUpdate.Delta(List.of(
                new TopologyUpdate.HostUpserted(host(2, FabricHost.State.LEFT)),
                new TopologyUpdate.HostUpserted(host(5, true))), 12));
        assertEquals(List.of("h5"), next.topology(SELF).peers().stream().map(p -> p.id().value()).toList());
        assertSame(next, next.apply(new TopologyUpdate.Delta(List.of(new TopologyUpdate.HostRemoved(HostId.of("h5"))), 12)));
        FabricView removed = next.apply(new TopologyUpdate.Delta(List.of(new TopologyUpdate.HostRemoved(HostId.of("h5"))), 13));
        assertEquals(List.of(), removed.topology(SELF).peers());
        assertEquals(13, removed.revision());
    }

    @Test
    void aSnapshotReplacesEverything() {
        FabricView view = FabricView.of(new TopologyUpdate.Snapshot(FABRIC, List.of(host(2, true), host(3, true)), 10));
        FabricView fresh = view.apply(new TopologyUpdate.Snapshot(FABRIC, List.of(host(4, true)), 50));
        assertEquals(List.of("h4"), fresh.topology(SELF).peers().stream().map(p -> p.id().value()).toList());
    }

    static OverlayNetwork net(String id, int second, long key) {
        return new OverlayNetwork(id, "n" + id, Cidr.parse("10." + second + ".0.0/16"),
                Ipv4Address.parse("10." + second + ".0.1"), TunnelKey.of(key));
    }

    static NetworkEndpoint ep(String net, String id, int host, String address) {
        return new NetworkEndpoint(net, id, HostId.of("h" + host), Ipv4Address.parse(address), "", "", "", List.of());
    }

    @Test
    void networksAndEndpointsFollowSnapshotAndDeltas() {
        FabricView view = FabricView.of(new TopologyUpdate.Snapshot(FABRIC, List.of(host(1, true), host(2, true)),
                List.of(net("fn2", 202, 3), net("fn1", 201, 2)),
                List.of(ep("fn1", "h2:fn1:a", 2, "10.201.0.2"), ep("fn2", "h1:fn2:b", 1, "10.202.0.2"),
                        ep("gone", "h1:gone:c", 1, "10.203.0.2")), 10));
        Topology t = view.topology(SELF);
        assertEquals(List.of("fn1", "fn2"), t.networks().stream().map(OverlayNetwork::id).toList());
        assertEquals(List.of("h2:fn1:a", "h1:fn2:b"), t.endpoints().stream().map(NetworkEndpoint::endpointId).toList(),
                "endpoints of unknown networks are left out, the rest sorted by network");

        FabricView next = view.apply(new TopologyUpdate.Delta(List.of(
                new TopologyUpdate.EndpointUpserted(ep("fn1", "h1:fn1:d", 1, "10.201.0.3")),
                new TopologyUpdate.EndpointRemoved(new NetworkEndpoint.Key("fn1", "h2:fn1:a")),
                new TopologyUpdate.NetworkRemoved("fn2")), 11));
        Topology n = next.topology(SELF);
        assertEquals(List.of("fn1"), n.networks().stream().map(OverlayNetwork::id).toList());
        assertEquals(List.of("h1:fn1:d"), n.endpoints().stream().map(NetworkEndpoint::endpointId).toList(),
                "a removed network takes its endpoints with it");
        assertSame(next, next.apply(new TopologyUpdate.Delta(List.of(new TopologyUpdate.NetworkRemoved("fn1")), 11)));

        FabricView again = next.apply(new TopologyUpdate.Delta(List.of(
                new TopologyUpdate.NetworkUpserted(net("fn1", 201, 9))), 12));
        assertEquals(9, again.topology(SELF).networks().get(0).tunnelKey().value());
    }
}
