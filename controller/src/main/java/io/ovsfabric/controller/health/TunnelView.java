package io.ovsfabric.controller.health;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.model.TunnelReport;
import java.time.Duration;
import java.util.Optional;

/**
 * One tunnel, {@code host -> peer}, as {@code host} last reported it.
 *
 * @param lastRtt      round trip of the last answered probe; empty if never answered
 * @param medianRtt    median round trip of the answered probes of the window (the last 60 at most)
 * @param lastSeenMs   when the last probe was answered (the reporting host's clock, unix ms); 0: never
 * @param reportedAtMs when a controller received the report
 * @param stale        the report is older than three report periods: its host's agent stopped reporting
 */
public record TunnelView(HostId host, HostId peer, String peerAddress, TunnelReport.State state, Optional<Duration> lastRtt,
        Optional<Duration> medianRtt, long lastSeenMs, long stateSinceMs, int windowSent, int windowLost, long reportedAtMs,
        boolean stale) {}
