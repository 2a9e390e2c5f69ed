package io.ovsfabric.controller.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.health.TunnelHealthBook;
import io.ovsfabric.controller.model.TunnelReport;
import io.ovsfabric.proto.v1.ListTunnelsResponse;
import io.ovsfabric.proto.v1.PeerTunnel;
import io.ovsfabric.proto.v1.ReportTunnelsRequest;
import io.ovsfabric.proto.v1.TunnelState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class TunnelHealthRpcServiceTest {
    private static PeerTunnel.Builder peer(String id, TunnelState state) {
        return PeerTunnel.newBuilder().setPeerHostId(id).setPeerAddress("10.200.2.1").setState(state).setLastRttMicros(420);
    }

    @Test
    void mapsAReportSortedByPeer() {
        TunnelReport r = TunnelHealthRpcService.report(ReportTunnelsRequest.newBuilder().setHostId("h1").setProbeIntervalMs(1000)
                .setBrokenAfter(3).addPeers(peer("h3", TunnelState.TUNNEL_STATE_BROKEN))
                .addPeers(peer("h2", TunnelState.TUNNEL_STATE_HEALTHY)).build());
        assertEquals("h2", r.peers().get(0).peer());
        assertEquals(TunnelReport.State.HEALTHY, r.peers().get(0).state());
        assertEquals(TunnelReport.State.BROKEN, r.peers().get(1).state());
        assertEquals(420, r.peers().get(0).lastRttMicros());
        assertEquals(3, r.brokenAfter());
    }

    @Test
    void refusesABadReportSayingEverythingWrongAtOnce() {
        FabricException e = assertThrows(FabricException.class, () -> TunnelHealthRpcService.report(ReportTunnelsRequest
                .newBuilder().setHostId("h1").addPeers(peer("H2", TunnelState.TUNNEL_STATE_HEALTHY))
                .addPeers(peer("h3", TunnelState.TUNNEL_STATE_UNSPECIFIED))
                .addPeers(peer("h4", TunnelState.TUNNEL_STATE_HEALTHY)).addPeers(peer("h4", TunnelState.TUNNEL_STATE_HEALTHY))
                .build()));
        assertEquals(FabricException.Code.INVALID, e.code());
        assertTrue(e.getMessage().contains("peer 'H2'"), e.getMessage());
        assertTrue(e.getMessage().contains("peer h3 has no state"), e.getMessage());
        assertTrue(e.getMessage().contains("peer h4 is listed twice"), e.getMessage());
    }

    @Test
    void listsTunnelsInPagesThatEachFitTheBudgetAndTogetherHoldEveryHost() {
        Map<HostId, TunnelHealthBook.Known> reports = new TreeMap<>();
        for (int h = 0; h < 50; h++) {
            List<TunnelReport.Peer> peers = new ArrayList<>();
            for (int p = 0; p < 50; p++) {
                peers.add(new TunnelReport.Peer(String.format("h%02d", p), "", TunnelReport.State.HEALTHY, 0, 0, 0, 0, 0, 0));
            }
            reports.put(HostId.of(String.format("h%02d", h)), new TunnelHealthBook.Known(new TunnelReport(1, 1000, 3, peers), true, false));
        }
        int oneHost = TunnelHealthRpcService.page(reports, "", Integer.MAX_VALUE).getHosts(0).getSerializedSize();
        List<String> seen = new ArrayList<>();
        String after = "";
        int pages = 0;
        do {
            ListTunnelsResponse page = TunnelHealthRpcService.page(reports, after, 7 * oneHost + 1);
            assertTrue(page.getHostsCount() <= 7, page.getHostsCount() + " hosts in a page");
            page.getHostsList().forEach(h -> seen.add(h.getHostId()));
            after = page.getNextAfterHostId();
            pages++;
        } while (!after.isEmpty());
        assertEquals(8, pages, "50 hosts, 7 a page");
        assertEquals(reports.keySet().stream().map(HostId::value).toList(), seen, "every host once, in id order");
        assertEquals(1, TunnelHealthRpcService.page(reports, "", 1).getHostsCount(), "a page holds one host at least");
        assertEquals("", TunnelHealthRpcService.page(reports, "", Integer.MAX_VALUE).getNextAfterHostId(), "unpaged: all");
    }
}
