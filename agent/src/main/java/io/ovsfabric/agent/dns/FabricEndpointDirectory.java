package io.ovsfabric.agent.dns;

/**
 * The fabric's endpoint list for DNS, fed by the wiring with every applied topology ({@link #update}): the names
 * follow the controller's topology stream, and reading them never waits on the controller.
 */
public final class FabricEndpointDirectory implements EndpointDirectory, AutoCloseable {
    private volatile Snapshot snapshot = Snapshot.empty();

    @Override
    public Snapshot snapshot() {
        return snapshot;
    }

    /** Replaces the view (from the controller's topology stream). */
    public void update(Snapshot next) {
        snapshot = next;
    }

    @Override
    public void close() {
        // nothing to stop: the view is pushed, not polled
    }
}
