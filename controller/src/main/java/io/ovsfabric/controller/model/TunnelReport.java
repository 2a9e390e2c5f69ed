package io.ovsfabric.controller.model;

import java.util.List;
import java.util.Objects;

/**
 * What one host's tunnel prober last reported (TunnelHealthService.ReportTunnels), as stored under
 * {@code tunnel-health/<host>}.
 *
 * @param receivedAtMs    when a controller received it (that controller's clock)
 * @param probeIntervalMs how often the host probes each peer
 * @param brokenAfter     lost probes in a row that make a tunnel broken
 */
public record TunnelReport(long receivedAtMs, int probeIntervalMs, int brokenAfter, List<Peer> peers) {
    /** States as text in etcd: pending, healthy, broken. */
    public enum State { PENDING, HEALTHY, BROKEN }

    /** One peer as the reporting host sees it (times on the reporting host's clock, unix ms; 0: never). */
    public record Peer(String peer, String address, State state, long stateSinceMs, long lastAnswerMs, int lastRttMicros,
            int medianRttMicros, int windowSent, int windowLost) {}

    public TunnelReport {
        peers = List.copyOf(peers);
    }

    public TunnelReport receivedAt(long atMs) {
        return new TunnelReport(atMs, probeIntervalMs, brokenAfter, peers);
    }

    /** The same peers in the same states (round trips and times aside). */
    public boolean sameStates(TunnelReport other) {
        if (other == null || other.peers.size() != peers.size() || other.brokenAfter != brokenAfter
                || other.probeIntervalMs != probeIntervalMs) {
            return false;
        }
        for (int i = 0; i < peers.size(); i++) {
            Peer a = peers.get(i);
            Peer b = other.peers.get(i);
            if (!a.peer().equals(b.peer()) || a.state() != b.state() || !Objects.equals(a.address(), b.address())) {
                return false;
            }
        }
        return true;
    }
}
