package io.ovsfabric.agent.health;

import java.util.List;

/** Where the tunnel table goes: the controller ({@code rpc.GrpcTunnelReports}). Failure is an exception. */
public interface TunnelReportSink {
    /** Replaces this host's report with {@code peers}. Safe to repeat. */
    void report(ProbeSettings settings, List<PeerStatus> peers);
}
