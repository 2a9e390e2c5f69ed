package io.ovsfabric.controller.rpc;

import io.grpc.stub.StreamObserver;
import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.health.TunnelHealthBook;
import io.ovsfabric.controller.model.TunnelReport;
import io.ovsfabric.proto.v1.HostTunnels;
import io.ovsfabric.proto.v1.ListTunnelsRequest;
import io.ovsfabric.proto.v1.ListTunnelsResponse;
import io.ovsfabric.proto.v1.PeerTunnel;
import io.ovsfabric.proto.v1.ReportTunnelsRequest;
import io.ovsfabric.proto.v1.ReportTunnelsResponse;
import io.ovsfabric.proto.v1.TunnelHealthServiceGrpc;
import io.ovsfabric.proto.v1.TunnelState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TunnelHealthService: hosts report their tunnels (as themselves, like the other host RPCs), any fabric identity
 * reads them back. Proto types stop here: the book holds {@link TunnelReport}s.
 */
public final class TunnelHealthRpcService extends TunnelHealthServiceGrpc.TunnelHealthServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(TunnelHealthRpcService.class);
    /** A report names every peer once; more than this many peers is not a fabric this version supports. */
    static final int MAX_PEERS = 10_000;
    /** A page of ListTunnels holds about this much: a quarter of the largest message either end takes. */
    static final int PAGE_BYTES = 4 * 1024 * 1024;

    private final TunnelHealthBook book;
    private final Authorization auth;

    public TunnelHealthRpcService(TunnelHealthBook book, Authorization auth) {
        this.book = book;
        this.auth = auth;
    }

    @Override
    public void reportTunnels(ReportTunnelsRequest request, StreamObserver<ReportTunnelsResponse> observer) {
        String call = "ReportTunnels " + request.getHostId();
        GrpcErrors.unary(call, observer, () -> {
            HostId host = auth.requireOwnHost(call, request.getHostId()).orElseGet(() -> hostOf(request.getHostId()));
            TunnelReport report = report(request);
            if (book.report(host, report)) {
                long broken = report.peers().stream().filter(p -> p.state() == TunnelReport.State.BROKEN).count();
                log.debug("host {} reports {} tunnels, {} broken", host, report.peers().size(), broken);
            }
            return ReportTunnelsResponse.getDefaultInstance();
        });
    }

    @Override
    public void listTunnels(ListTunnelsRequest request, StreamObserver<ListTunnelsResponse> observer) {
        String call = "ListTunnels";
        GrpcErrors.unary(call, observer, () -> {
            auth.requireMember(call);
            return request.getPaged() ? page(book.reports(), request.getAfterHostId(), PAGE_BYTES)
                    : page(book.reports(), "", Integer.MAX_VALUE);
        });
    }

    /**
     * The hosts after {@code afterHostId} (id order), as many as fit {@code maxBytes} (at least one, so every page
     * moves on), and where the next page starts when some are left.
     */
    static ListTunnelsResponse page(Map<HostId, TunnelHealthBook.Known> reports, String afterHostId, int maxBytes) {
        ListTunnelsResponse.Builder b = ListTunnelsResponse.newBuilder();
        long bytes = 0;
        String last = null;
        for (Map.Entry<HostId, TunnelHealthBook.Known> e : reports.entrySet()) {
            String id = e.getKey().value();
            if (id.compareTo(afterHostId) <= 0) {
                continue;
            }
            HostTunnels h = hostTunnels(id, e.getValue());
            if (b.getHostsCount() > 0 && bytes + h.getSerializedSize() > maxBytes) {
                return b.setNextAfterHostId(last).build();
            }
            b.addHosts(h);
            bytes += h.getSerializedSize();
            last = id;
        }
        return b.build();
    }

    private static HostTunnels hostTunnels(String host, TunnelHealthBook.Known known) {
        TunnelReport r = known.report();
        HostTunnels.Builder h = HostTunnels.newBuilder().setHostId(host).setReceivedAtUnixMs(r.receivedAtMs())
                .setProbeIntervalMs(r.probeIntervalMs()).setBrokenAfter(r.brokenAfter()).setStale(known.stale());
        for (TunnelReport.Peer p : r.peers()) {
            h.addPeers(PeerTunnel.newBuilder().setPeerHostId(p.peer()).setPeerAddress(p.address())
                    .setState(switch (p.state()) {
                        case PENDING -> TunnelState.TUNNEL_STATE_PENDING;
                        case HEALTHY -> TunnelState.TUNNEL_STATE_HEALTHY;
                        case BROKEN -> TunnelState.TUNNEL_STATE_BROKEN;
                    })
                    .setStateSinceUnixMs(p.stateSinceMs()).setLastAnswerUnixMs(p.lastAnswerMs())
                    .setLastRttMicros(p.lastRttMicros()).setMedianRttMicros(p.medianRttMicros())
                    .setWindowSent(p.windowSent()).setWindowLost(p.windowLost()));
        }
        return h.build();
    }

    /** The request as a report; every problem in it at once. */
    static TunnelReport report(ReportTunnelsRequest request) {
        List<String> problems = new ArrayList<>();
        if (request.getPeersCount() > MAX_PEERS) {
            problems.add(request.getPeersCount() + " peers (at most " + MAX_PEERS + ")");
        }
        List<TunnelReport.Peer> peers = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (PeerTunnel p : request.getPeersList()) {
            String id = p.getPeerHostId();
            try {
                HostId.of(id);
            } catch (io.ovsfabric.common.InvalidInputException e) {
                problems.add("peer '" + id + "': " + e.getMessage());
                continue;
            }
            if (!seen.add(id)) {
                problems.add("peer " + id + " is listed twice");
                continue;
            }
            TunnelReport.State state = switch (p.getState()) {
                case TUNNEL_STATE_PENDING -> TunnelReport.State.PENDING;
                case TUNNEL_STATE_HEALTHY -> TunnelReport.State.HEALTHY;
                case TUNNEL_STATE_BROKEN -> TunnelReport.State.BROKEN;
                default -> null;
            };
            if (state == null) {
                problems.add("peer " + id + " has no state (pending, healthy or broken)");
                continue;
            }
            // interned: every host names the same peers, and the controller keeps each host's last report
            peers.add(new TunnelReport.Peer(id.intern(), p.getPeerAddress().intern(), state, p.getStateSinceUnixMs(), p.getLastAnswerUnixMs(),
                    p.getLastRttMicros(), p.getMedianRttMicros(), p.getWindowSent(), p.getWindowLost()));
        }
        if (!problems.isEmpty()) {
            throw new FabricException(FabricException.Code.INVALID, "tunnel report of host " + request.getHostId()
                    + " refused: " + String.join("; ", problems));
        }
        peers.sort(java.util.Comparator.comparing(TunnelReport.Peer::peer));
        return new TunnelReport(0, request.getProbeIntervalMs(), request.getBrokenAfter(), peers);
    }

    private static HostId hostOf(String id) {
        try {
            return HostId.of(id);
        } catch (io.ovsfabric.common.InvalidInputException e) {
            throw new FabricException(FabricException.Code.INVALID, "ReportTunnels: " + e.getMessage());
        }
    }
}
