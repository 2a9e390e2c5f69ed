package io.ovsfabric.ctl;

import io.ovsfabric.proto.v1.Host;
import io.ovsfabric.proto.v1.TraceRequest;
import io.ovsfabric.proto.v1.TraceResponse;
import io.ovsfabric.proto.v1.TraceVerdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Follows a packet from host to host: traces it on the source host's br0, and while it leaves by the GRE tunnel,
 * continues on the peer the tunnel leads to, as the packet arrives there (tunnel port, key, outer source). Pure over
 * the {@code trace} call (one agent's AgentDiagnostics.Trace).
 */
final class TraceWalk {
    /** Never more hops than this: a packet from a tunnel never re-enters one (split horizon), so 2 is the normal most. */
    static final int MAX_HOPS = 4;

    enum Outcome { DELIVERED, DROPPED, LOST }

    /**
     * The stitched path.
     *
     * @param hops       one agent's answer per host, in order (empty when the host's routing decided alone)
     * @param outcomeHost where it ended
     * @param reason      DROPPED/LOST: why; DELIVERED: to what
     */
    record Path(TraceTargets.Target from, TraceTargets.Target to, String protocol, int dport, List<TraceResponse> hops,
            Outcome outcome, String outcomeHost, String reason) {}

    private TraceWalk() {}

    static Path walk(TraceTargets targets, TraceTargets.Target from, TraceTargets.Target to, String protocol, int dport,
            BiFunction<Host, TraceRequest, TraceResponse> trace) {
        if (from.onDocker0() && !to.onDocker0()) {
            // docker0 sends it to its gateway (the host), not into br0: the host's FORWARD chain decides
            return new Path(from, to, protocol, dport, List.of(), Outcome.DROPPED, from.host().getHostId(),
                    "different network: a docker0 container reaches network " + to.networkName() + " only through"
                            + " host " + from.host().getHostId() + "'s routing, and its FORWARD rule drops docker0 ->"
                            + " user-defined networks (-i docker0 -o ofxg+ -j DROP); br0 never sees the packet");
        }
        List<TraceResponse> hops = new ArrayList<>();
        Host host = from.host();
        TraceRequest.Builder request = TraceRequest.newBuilder().setSrcIp(from.address().toString())
                .setDstIp(to.address().toString()).setProtocol(protocol).setDstPort(dport);
        for (int i = 0; i < MAX_HOPS; i++) {
            TraceResponse hop = trace.apply(host, request.build());
            hops.add(hop);
            TraceVerdict v = hop.getVerdict();
            switch (v.getKind()) {
                case DELIVERED -> {
                    String what = v.getOutPort() + (v.getOutPortRole().isEmpty() ? "" : ": " + v.getOutPortRole());
                    return new Path(from, to, protocol, dport, hops, Outcome.DELIVERED, hop.getHostId(), what);
                }
                case DROPPED -> {
                    return new Path(from, to, protocol, dport, hops, Outcome.DROPPED, hop.getHostId(), v.getReason());
                }
                case TUNNEL -> {
                    Optional<Host> peer = v.getPeerHostId().isEmpty() ? targets.hostByUnderlay(v.getTunnelDst())
                            : targets.host(v.getPeerHostId());
                    if (peer.isEmpty()) {
                        return new Path(from, to, protocol, dport, hops, Outcome.LOST, hop.getHostId(),
                                "tunnelled to " + v.getTunnelDst() + ", which is no host the controller lists");
                    }
                    request.setFromTunnel(true).setTunnelId(v.getTunnelId()).setTunnelSrc(host.getUnderlayIp());
                    host = peer.get();
                }
                default -> {
                    return new Path(from, to, protocol, dport, hops, Outcome.LOST, hop.getHostId(),
                            "neither delivered nor dropped by br0: " + v.getReason());
                }
            }
        }
        return new Path(from, to, protocol, dport, hops, Outcome.LOST, host.getHostId(),
                "still tunnelling after " + MAX_HOPS + " hosts: a forwarding loop (report it)");
    }
}
