package io.ovsfabric.controller.web;

import java.util.Objects;

/**
 * How the tunnel from one host to a peer is doing, as far as this controller knows.
 *
 * @param state   healthy (probes get through), broken (they do not, or an end is down), unknown (nothing measured)
 * @param rttMs   round-trip time of the last probe in milliseconds, or -1 when none was measured
 * @param because what the state rests on, for people: "probe", "h3 is DOWN", "no probe reports: both ends UP"
 */
public record TunnelHealth(State state, double rttMs, String because) {
    public enum State {
        HEALTHY, BROKEN, UNKNOWN
    }

    public TunnelHealth {
        Objects.requireNonNull(state, "state");
        because = because == null ? "" : because;
    }

    public static TunnelHealth unknown(String because) {
        return new TunnelHealth(State.UNKNOWN, -1, because);
    }

    public static TunnelHealth broken(String because) {
        return new TunnelHealth(State.BROKEN, -1, because);
    }

    public boolean hasRtt() {
        return rttMs >= 0;
    }

    /**
     * The state of a tunnel seen from both ends: broken if either end says so, healthy only if both do (or one does
     * and the other has no report), unknown otherwise. The round trip is the larger one measured.
     */
    public static TunnelHealth combine(TunnelHealth aToB, TunnelHealth bToA) {
        State state;
        if (aToB.state == State.BROKEN || bToA.state == State.BROKEN) {
            state = State.BROKEN;
        } else if (aToB.state == State.HEALTHY || bToA.state == State.HEALTHY) {
            state = State.HEALTHY;
        } else {
            state = State.UNKNOWN;
        }
        TunnelHealth reason = aToB.state == state ? aToB : bToA;
        return new TunnelHealth(state, Math.max(aToB.rttMs, bToA.rttMs), reason.because);
    }
}
