package io.ovsfabric.agent.health;

/** What the prober knows about the tunnel to one peer. */
public enum TunnelState {
    /** Probed, never answered yet, and not missed often enough in a row to be broken (a peer just added). */
    PENDING,
    /** Answered: the last probe came back, or fewer than the threshold were missed since the last answer. */
    HEALTHY,
    /** The last {@code brokenAfter} probes in a row went unanswered. The first answer makes it healthy again. */
    BROKEN
}
