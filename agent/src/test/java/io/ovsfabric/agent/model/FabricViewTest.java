package io.ovsfabric.agent.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import java.util.List;
import org.junit.jupiter.api.Test;

class FabricViewTest {
    static final FabricSettings FABRIC = new FabricSettings(Cidr.parse("10.200.0.0/16"), 24, 1, 1500, 42, 2, "f");
    static final LocalHost SELF = new LocalHost(HostId.of("h1"), Ipv4Address.parse("192.0.2.11"),
            Cidr.parse("10.200.1.0/24"), Ipv4Address.parse("10.200.1.1"), 1458);

    static FabricHost host(int n, boolean up) {
        return new FabricHost(HostId.of("h" + n), Ipv4Address.parse("192.0.2." + (10 + n)),
                Cidr.parse("10.200." + n + ".0/24"), up);
    }

    @Test
    void topologyHasOnlyLivePeersNeverSelf() {
        FabricView view = FabricView.of(new TopologyUpdate.Snapshot(FABRIC,
                List.of(host(1, true), host(2, true), host(3, false), host(4, true)), 10));
        Topology t = view.topology(SELF);
        assertEquals(List.of("h2", "h4"), t.peers().stream().map(p -> p.id().value()).toList());
        assertEquals(10, t.revision());
    }

    @Test
    void deltasApplyInOrderAndStaleOnesAreIgnored() {
        FabricView view = FabricView.of(new TopologyUpdate.Snapshot(FABRIC, List.of(host(1, true), host(2, true)), 10));
        FabricView next = view.apply(new TopologyUpdate.Delta(List.of(
                new TopologyUpdate.HostUpserted(host(2, false)), new TopologyUpdate.HostUpserted(host(5, true))), 12));
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
}
