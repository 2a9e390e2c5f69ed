package io.ovsfabric.controller.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.model.TunnelReport;
import io.ovsfabric.proto.v1.PeerTunnel;
import io.ovsfabric.proto.v1.ReportTunnelsRequest;
import io.ovsfabric.proto.v1.TunnelState;
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
}
