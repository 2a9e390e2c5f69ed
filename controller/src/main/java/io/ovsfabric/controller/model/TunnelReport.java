package io.ovsfabric.controller.model;

import java.util.List;

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

    /**
     * A digest of what a state change is: the probe settings and every peer's id, address and state (round trips
     * and times aside). Two reports with equal digests are in the same states; 32 bytes stand for a report of
     * a thousand peers.
     */
    public byte[] statesDigest() {
        java.security.MessageDigest sha;
        try {
            sha = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        sha.update((probeIntervalMs + "/" + brokenAfter).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        for (Peer p : peers) {
            sha.update(("\n" + p.peer() + " " + p.address() + " " + p.state()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return sha.digest();
    }
}
