package io.ovsfabric.agent.metrics;

import io.ovsfabric.agent.model.AttachedPort;
import io.ovsfabric.agent.model.DataPlane;
import io.ovsfabric.agent.model.Topology;
import java.util.List;
import java.util.Optional;

/**
 * A data plane whose passes are timed and counted; what it owns is read after every good pass. Every method of
 * {@link DataPlane}, the defaults included, is passed on ({@code MeteredDataPlaneTest} checks it).
 */
final class MeteredDataPlane implements DataPlane {
    private final DataPlane delegate;
    private final AgentMetrics metrics;

    MeteredDataPlane(DataPlane delegate, AgentMetrics metrics) {
        this.delegate = delegate;
        this.metrics = metrics;
    }

    @Override
    public void reconcile(Topology topology) {
        long start = System.nanoTime();
        boolean ok = false;
        try {
            delegate.reconcile(topology);
            ok = true;
            metrics.applied(topology.revision(), topology.peers().size(), delegate.owned().orElse(null));
        } finally {
            metrics.pass(System.nanoTime() - start, ok, System.currentTimeMillis());
        }
    }

    @Override
    public Optional<Owned> owned() {
        return delegate.owned();
    }

    @Override
    public void onConnectionLost(Runnable listener) {
        delegate.onConnectionLost(listener);   // without it, a restarted vswitchd got its flows back only at the resync
    }

    @Override
    public List<AttachedPort> endpointPorts() {
        return delegate.endpointPorts();
    }

    @Override
    public void teardown() {
        delegate.teardown();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
