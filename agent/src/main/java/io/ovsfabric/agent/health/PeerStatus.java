package io.ovsfabric.agent.health;

import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import java.time.Duration;
import java.util.Optional;

/**
 * One peer's tunnel as the prober sees it now (times on the wall clock, unix ms; 0: never).
 *
 * @param lastRtt     round trip of the last answered probe; empty before the first answer
 * @param medianRtt   median round trip of the answered probes in the window
 * @param windowSent  probes in the window that were answered or lost (not those still in flight)
 * @param windowLost  of those, the lost ones
 * @param lostTotal   probes lost since the peer was added
 * @param sentTotal   probes sent since the peer was added
 */
public record PeerStatus(HostId peer, Ipv4Address address, TunnelState state, long stateSinceMs, long lastAnswerMs,
        Optional<Duration> lastRtt, Optional<Duration> medianRtt, int windowSent, int windowLost, long sentTotal,
        long lostTotal) {}
