package io.ovsfabric.agent.health;

import io.ovsfabric.common.HostId;
import java.time.Duration;
import java.util.List;

/** What the prober tells the rest of the agent (metrics, the controller report). Called on the prober's threads. */
public interface TunnelHealthListener {
    /** The set of peers changed (topology applied): every peer now. */
    default void peersChanged(List<PeerStatus> peers) {}

    /** Tunnels that changed state. */
    default void transitions(List<Transition> transitions) {}

    /** A probe was answered. */
    default void answered(HostId peer, Duration rtt) {}

    /** After every probing round: every peer now. */
    default void probed(List<PeerStatus> peers) {}
}
