package io.ovsfabric.controller.web;

import io.ovsfabric.controller.model.HostView;

/**
 * Where the page gets the health of each tunnel. Tunnels are directional here: {@code tunnel(h1, h3)} is what h1
 * knows of its tunnel to h3 (an agent probing its peers reports per peer). Implementations must be thread-safe and
 * answer from memory (the page asks for every pair of hosts at each refresh).
 */
public interface TunnelHealthSource {

    /** The health of {@code host}'s tunnel to {@code peer}; never null. */
    TunnelHealth tunnel(HostView host, HostView peer);

    /**
     * Registers a callback run (on any thread) whenever a health report changes, so the page refreshes. A source
     * whose answers only follow the hosts' states (which the page already watches) needs no callbacks.
     */
    default void addListener(Runnable onChange) {
    }

    /** The default: no probes, so the state follows the two hosts' states ({@link HostStateTunnelHealth}). */
    static TunnelHealthSource fromHostStates() {
        return new HostStateTunnelHealth();
    }
}
