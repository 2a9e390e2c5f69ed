package io.ovsfabric.agent.rpc;

import io.ovsfabric.agent.health.PeerStatus;
import io.ovsfabric.agent.health.ProbeSettings;
import io.ovsfabric.agent.health.TunnelReportSink;
import io.ovsfabric.common.HostId;
import io.ovsfabric.proto.v1.PeerTunnel;
import io.ovsfabric.proto.v1.ReportTunnelsRequest;
import io.ovsfabric.proto.v1.TunnelState;
import java.time.Duration;
import java.util.List;

/** {@link TunnelReportSink} on the controller channel: TunnelHealthService.ReportTunnels. */
final class GrpcTunnelReports implements TunnelReportSink {
    private final ControllerChannel controller;
    private final HostId host;

    GrpcTunnelReports(ControllerChannel controller, HostId host) {
        this.controller = controller;
        this.host = host;
    }

    @Override
    public void report(ProbeSettings settings, List<PeerStatus> peers) {
        ReportTunnelsRequest request = request(host, settings, peers);
        controller.tunnels("report the tunnels of " + host, stub -> stub.reportTunnels(request));
    }

    static ReportTunnelsRequest request(HostId host, ProbeSettings settings, List<PeerStatus> peers) {
        ReportTunnelsRequest.Builder b = ReportTunnelsRequest.newBuilder().setHostId(host.value())
                .setProbeIntervalMs((int) settings.interval().toMillis()).setBrokenAfter(settings.brokenAfter());
        for (PeerStatus s : peers) {
            b.addPeers(PeerTunnel.newBuilder().setPeerHostId(s.peer().value()).setPeerAddress(s.address().toString())
                    .setState(switch (s.state()) {
                        case PENDING -> TunnelState.TUNNEL_STATE_PENDING;
                        case HEALTHY -> TunnelState.TUNNEL_STATE_HEALTHY;
                        case BROKEN -> TunnelState.TUNNEL_STATE_BROKEN;
                    })
                    .setStateSinceUnixMs(s.stateSinceMs()).setLastAnswerUnixMs(s.lastAnswerMs())
                    .setLastRttMicros(micros(s.lastRtt().orElse(Duration.ZERO)))
                    .setMedianRttMicros(micros(s.medianRtt().orElse(Duration.ZERO)))
                    .setWindowSent(s.windowSent()).setWindowLost(s.windowLost()));
        }
        return b.build();
    }

    private static int micros(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, d.toNanos() / 1000);
    }
}
