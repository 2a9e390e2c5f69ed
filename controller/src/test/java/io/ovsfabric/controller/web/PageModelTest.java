package io.ovsfabric.controller.web;

import static io.ovsfabric.controller.web.PageFixture.PLAN;
import static io.ovsfabric.controller.web.PageFixture.down;
import static io.ovsfabric.controller.web.PageFixture.endpoint;
import static io.ovsfabric.controller.web.PageFixture.left;
import static io.ovsfabric.controller.web.PageFixture.network;
import static io.ovsfabric.controller.web.PageFixture.up;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.model.HostRecord;
import io.ovsfabric.controller.model.HostView;
import io.ovsfabric.controller.topology.TopologyChange;
import io.ovsfabric.controller.topology.TopologyEvent;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PageModelTest {
    private final PageModel model = new PageModel();
    private final TunnelHealthSource byState = TunnelHealthSource.fromHostStates();

    private void snapshot(long rev, List<HostView> hosts) {
        model.apply(TopologyEvent.snapshot(rev, new TopologyEvent.Snapshot(PLAN, hosts, List.of(network("web")),
                List.of(endpoint("web", "e1", "h1", "10.210.0.2", "web-1")))), 100 * rev);
    }

    private static Map<String, TunnelHealth.State> tunnels(PageView view) {
        return view.tunnels().stream().collect(Collectors.toMap(t -> t.a() + "-" + t.b(), t -> t.health().state()));
    }

    @Test
    void aSnapshotShowsEveryHostAndATunnelPerPairOfTunnellingHosts() {
        HostView reserved = HostView.of(new HostRecord(new HostId("h4"), null, io.ovsfabric.common.Cidr.parse("10.200.4.0/24"),
                Map.of(), 1000, false, 0, 0), false, PageFixture.GRACE);
        snapshot(5, List.of(up("h1", 1), up("h2", 2), down("h3", 3), reserved));
        PageView view = model.view(byState, "c1", null);

        assertEquals(5, view.revision());
        assertEquals(List.of("h1:UP:1", "h2:UP:0", "h3:DOWN:0", "h4:RESERVED:0"), view.hosts().stream()
                .map(h -> h.view().record().hostId() + ":" + h.state() + ":" + h.endpoints()).toList());
        assertEquals(Map.of("h1-h2", TunnelHealth.State.UNKNOWN, "h1-h3", TunnelHealth.State.BROKEN,
                "h2-h3", TunnelHealth.State.BROKEN), tunnels(view), "a reserved host has no tunnels; a DOWN end breaks one");
        assertEquals("h3 is DOWN", view.tunnels().get(1).health().because());
        assertEquals(1, view.networks().size());
        assertEquals("web-1", view.networks().get(0).endpoints().get(0).containerName());
        assertEquals(1, view.events().size());
        assertTrue(view.events().get(0).text().startsWith("following the topology from revision 5: 4 host(s)"),
                view.events().get(0).text());
    }

    @Test
    void deltasTurnIntoEventsNewestFirst() {
        snapshot(5, List.of(up("h1", 1), up("h2", 2), up("h3", 3)));
        model.apply(TopologyEvent.delta(6, List.of(new TopologyChange.HostUpserted(down("h3", 3)))), 600);
        model.apply(TopologyEvent.delta(7, List.of(new TopologyChange.HostUpserted(left("h2", 2)),
                new TopologyChange.EndpointRemoved("n-web", "e1"))), 700);
        model.apply(TopologyEvent.delta(8, List.of(new TopologyChange.HostUpserted(up("h3", 3)),
                new TopologyChange.HostUpserted(up("h5", 5)), new TopologyChange.HostRemoved(new HostId("h2")),
                new TopologyChange.NetworkRemoved("n-web"))), 800);
        PageView view = model.view(byState, "c1", null);

        assertEquals(List.of(
                "800 network-removed network web (10.210.0.0/24) removed",
                "800 host-removed h2 removed: its subnet 10.200.2.0/24 is free again",
                "800 host-new h5 joined: subnet 10.200.5.0/24, underlay 192.0.2.15, UP",
                "800 host-up h3 is UP (was DOWN)",
                "700 endpoint-removed endpoint 10.210.0.2 (web-1) left network web",
                "700 host-left h2 left the fabric (deregistered); its subnet 10.200.2.0/24 stays reserved to it",
                "600 host-down h3 is DOWN (was UP): its lease expired"),
                view.events().stream().limit(7).map(e -> e.atMs() + " " + e.kind() + " " + e.text()).toList());
        assertEquals(8, view.revision());
        assertEquals(List.of("h1", "h3", "h5"), view.hosts().stream().map(h -> h.view().record().hostId().value()).toList());
        assertEquals(Map.of("h1-h3", TunnelHealth.State.UNKNOWN, "h1-h5", TunnelHealth.State.UNKNOWN,
                "h3-h5", TunnelHealth.State.UNKNOWN), tunnels(view));
    }

    @Test
    void aLaterSnapshotIsShownAsTheDifferenceToWhatWasShown() {
        snapshot(5, List.of(up("h1", 1), up("h2", 2)));
        snapshot(9, List.of(up("h1", 1), down("h2", 2), up("h3", 3)));
        PageView view = model.view(byState, "c1", null);

        assertEquals(List.of("host-new", "host-down", "info"), view.events().stream().map(PageEvent::kind).toList(),
                "nothing for what did not change (h1, the network, its endpoint)");
        assertEquals("LEFT", PageModel.stateOf(left("h2", 2)));
    }

    @Test
    void recentEventsAreBounded() {
        snapshot(1, List.of(up("h1", 1)));
        for (int i = 0; i < 3 * PageModel.MAX_EVENTS; i++) {
            model.apply(TopologyEvent.delta(2 + i, List.of(new TopologyChange.HostUpserted(i % 2 == 0 ? down("h1", 1)
                    : up("h1", 1)))), 1000 + i);
        }
        PageView view = model.view(byState, "c1", null);
        assertEquals(PageModel.MAX_EVENTS, view.events().size());
        assertEquals(1000 + 3 * PageModel.MAX_EVENTS - 1, view.events().get(0).atMs());
    }

    @Test
    void reportedHealthWinsAndBothDirectionsCombine() {
        snapshot(5, List.of(up("h1", 1), up("h2", 2), up("h3", 3)));
        TunnelHealthSource probes = (host, peer) -> {
            String pair = host.record().hostId() + ">" + peer.record().hostId();
            return switch (pair) {
                case "h1>h2", "h2>h1" -> new TunnelHealth(TunnelHealth.State.HEALTHY, 0.4, "probe");
                case "h1>h3" -> new TunnelHealth(TunnelHealth.State.BROKEN, -1, "no probe answered for 3 s");
                case "h3>h1" -> new TunnelHealth(TunnelHealth.State.HEALTHY, 0.7, "probe");
                default -> TunnelHealth.unknown("no report");
            };
        };
        PageView view = model.view(probes, "c1", null);
        assertEquals(Map.of("h1-h2", TunnelHealth.State.HEALTHY, "h1-h3", TunnelHealth.State.BROKEN,
                "h2-h3", TunnelHealth.State.UNKNOWN), tunnels(view));
        PageView.TunnelRow h1h3 = view.tunnels().get(1);
        assertEquals("no probe answered for 3 s", h1h3.health().because());
        assertEquals(0.7, h1h3.health().rttMs());
        assertEquals(TunnelHealth.State.HEALTHY, h1h3.bToA().state());
    }

    @Test
    void pastTheFullMeshLimitOnlyMeasuredOrBrokenTunnelsAreListed() {
        List<HostView> many = new java.util.ArrayList<>();
        for (int i = 1; i <= PageModel.MAX_FULL_MESH_HOSTS + 1; i++) {
            many.add(i == 1 ? down("h" + i, i) : up("h" + i, i));
        }
        snapshot(5, many);
        PageView view = model.view(byState, "c1", null);
        int n = PageModel.MAX_FULL_MESH_HOSTS + 1;
        assertEquals(n - 1, view.tunnels().size(), "h1's broken tunnels only");
        assertEquals(n * (n - 1) / 2 - (n - 1), view.tunnelsOmitted());
    }
}
