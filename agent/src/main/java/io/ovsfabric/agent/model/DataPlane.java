package io.ovsfabric.agent.model;

/**
 * The host's data plane (bridges, tunnels, flows, links, NAT) as one seam between the agent's control side
 * (controller client, CLI) and its OVS/Linux side.
 */
public interface DataPlane extends AutoCloseable {

    /**
     * Makes the host match the topology: computes the desired state, observes the host, applies only the
     * difference. Idempotent: a second call with the same topology on an unchanged host changes nothing.
     * Failure is an exception; the caller retries with backoff and the next call starts from what is observed.
     */
    void reconcile(Topology topology);

    /**
     * The container endpoint ports on the integration bridge, read from OVS now (for `ipam check`: what the host
     * really has). Failure is an exception; no bridge yet is an empty list.
     */
    java.util.List<AttachedPort> endpointPorts();

    /**
     * Calls {@code listener} whenever a connection the data plane had open to the switch is lost without it closing
     * it (ovs-vswitchd or ovsdb-server died or restarted): what the last pass applied may be gone (a restarted
     * vswitchd starts with an empty flow table), so the caller should reconcile at once. Called on an I/O thread:
     * keep it short. Without a switch connection (fakes): never called.
     */
    default void onConnectionLost(Runnable listener) {}

    /**
     * What the last good pass left the agent owning (for metrics); empty when not known (no pass yet, or a data plane
     * that does not count).
     */
    default java.util.Optional<Owned> owned() {
        return java.util.Optional.empty();
    }

    /** Counts of what the agent owns on the host: flows, OVS ports, and peers it tunnels to (GRE destinations). */
    record Owned(int flows, int ports, int tunnels) {}

    /** Removes everything the agent created (marked as ours) and nothing else. Removing what is absent succeeds. */
    void teardown();

    @Override
    void close();
}
