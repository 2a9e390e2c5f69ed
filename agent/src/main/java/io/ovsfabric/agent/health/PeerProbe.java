package io.ovsfabric.agent.health;

import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The probe state machine of one peer (pure: times are passed in, nothing is read or logged).
 * <pre>
 *   PENDING --answer--> HEALTHY --brokenAfter lost in a row--> BROKEN --answer--> HEALTHY
 *   PENDING --brokenAfter lost in a row--> BROKEN
 * </pre>
 * A probe is lost when no answer came within the timeout; an answer to a probe already counted lost (or to one never
 * sent) is ignored. The window keeps the last {@code window} outcomes (round trip, or lost) for the figures (loss, median round trip).
 * Not thread-safe: {@link TunnelTable} serialises the calls.
 */
final class PeerProbe {
    private static final long LOST = -1;
    /** Probes in flight remembered at most (more are lost anyway, a timeout is one interval). */
    private static final int MAX_IN_FLIGHT = 16;

    private final HostId peer;
    private final Ipv4Address address;
    private final int brokenAfter;
    private final int window;
    private final Map<Long, Long> inFlight = new LinkedHashMap<>();   // seq -> sent at (nanos)
    private final ArrayDeque<Long> outcomes = new ArrayDeque<>();     // rtt nanos or LOST, oldest first
    private TunnelState state = TunnelState.PENDING;
    private long stateSinceMs;
    private long lastAnswerMs;
    private long lastRttNanos = LOST;
    private int lostInRow;
    private long sentTotal;
    private long lostTotal;

    PeerProbe(HostId peer, Ipv4Address address, int brokenAfter, int window, long nowMs) {
        this.peer = peer;
        this.address = address;
        this.brokenAfter = brokenAfter;
        this.window = window;
        this.stateSinceMs = nowMs;
    }

    HostId peer() {
        return peer;
    }

    Ipv4Address address() {
        return address;
    }

    void sent(long seq, long atNanos) {
        if (inFlight.size() >= MAX_IN_FLIGHT) {
            Iterator<Long> oldest = inFlight.keySet().iterator();
            oldest.next();
            oldest.remove();
            lost();
        }
        inFlight.put(seq, atNanos);
        sentTotal++;
    }

    /** The answer to probe {@code seq}: healthy at once. A transition when it was not healthy before. */
    Optional<Transition> answered(long seq, long atNanos, long nowMs) {
        Long sentAt = inFlight.remove(seq);
        if (sentAt == null) {
            return Optional.empty();
        }
        lastRttNanos = Math.max(0, atNanos - sentAt);
        push(lastRttNanos);
        lastAnswerMs = nowMs;
        int before = lostInRow;
        lostInRow = 0;
        if (state == TunnelState.HEALTHY) {
            return Optional.empty();
        }
        TunnelState from = state;
        enter(TunnelState.HEALTHY, nowMs);
        return Optional.of(new Transition(status(), from, before));
    }

    /** Counts every probe sent {@code timeoutNanos} or more before {@code atNanos} and still unanswered as lost. */
    Optional<Transition> expire(long atNanos, long timeoutNanos, long nowMs) {
        Iterator<Map.Entry<Long, Long>> it = inFlight.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, Long> probe = it.next();
            if (atNanos - probe.getValue() < timeoutNanos) {
                break;      // in sending order: the rest are younger
            }
            it.remove();
            lost();
        }
        if (lostInRow >= brokenAfter && state != TunnelState.BROKEN) {
            TunnelState from = state;
            enter(TunnelState.BROKEN, nowMs);
            return Optional.of(new Transition(status(), from, lostInRow));
        }
        return Optional.empty();
    }

    /**
     * The median round trip of the window, not the mean: the first answer of a peer waits for ARP across the tunnel
     * (and a cold JVM), hundreds of ms that would skew a mean for a whole window.
     */
    PeerStatus status() {
        long[] rtts = outcomes.stream().mapToLong(Long::longValue).filter(o -> o != LOST).sorted().toArray();
        int lost = outcomes.size() - rtts.length;
        Optional<Duration> median = rtts.length == 0 ? Optional.empty() : Optional.of(Duration.ofNanos(rtts.length % 2 == 1
                ? rtts[rtts.length / 2] : (rtts[rtts.length / 2 - 1] + rtts[rtts.length / 2]) / 2));
        return new PeerStatus(peer, address, state, stateSinceMs, lastAnswerMs,
                lastRttNanos == LOST ? Optional.empty() : Optional.of(Duration.ofNanos(lastRttNanos)),
                median, outcomes.size(), lost, sentTotal, lostTotal);
    }

    private void lost() {
        push(LOST);
        lostInRow++;
        lostTotal++;
    }

    private void push(long outcome) {
        outcomes.addLast(outcome);
        while (outcomes.size() > window) {
            outcomes.removeFirst();
        }
    }

    private void enter(TunnelState next, long nowMs) {
        state = next;
        stateSinceMs = nowMs;
    }
}
