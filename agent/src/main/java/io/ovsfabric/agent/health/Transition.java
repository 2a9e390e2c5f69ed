package io.ovsfabric.agent.health;

/**
 * A tunnel that changed state.
 *
 * @param lostInRow probes lost in a row when it happened (broken), or before this answer (recovered)
 */
public record Transition(PeerStatus status, TunnelState from, int lostInRow) {
    public TunnelState to() {
        return status.state();
    }
}
