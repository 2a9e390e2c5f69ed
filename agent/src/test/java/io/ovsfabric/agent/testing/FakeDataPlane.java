package io.ovsfabric.agent.testing;

import io.ovsfabric.agent.model.DataPlane;
import io.ovsfabric.agent.model.Topology;
import java.util.ArrayList;
import java.util.List;

/** Remembers the topologies it was asked to apply; can be told to fail. */
public final class FakeDataPlane implements DataPlane {
    private final List<Topology> applied = new ArrayList<>();
    private volatile RuntimeException failWith;
    private boolean tornDown;

    @Override
    public synchronized void reconcile(Topology topology) {
        if (failWith != null) {
            throw failWith;
        }
        applied.add(topology);
    }

    public void failWith(RuntimeException e) {
        failWith = e;
    }

    public synchronized Topology last() {
        return applied.isEmpty() ? null : applied.get(applied.size() - 1);
    }

    public synchronized int reconcileCount() {
        return applied.size();
    }

    private final List<io.ovsfabric.agent.model.AttachedPort> ports = new ArrayList<>();

    @Override
    public synchronized List<io.ovsfabric.agent.model.AttachedPort> endpointPorts() {
        if (failWith != null) {
            throw failWith;
        }
        return List.copyOf(ports);
    }

    public synchronized void addEndpointPort(io.ovsfabric.agent.model.AttachedPort port) {
        ports.add(port);
    }

    @Override
    public synchronized void teardown() {
        tornDown = true;
    }

    public synchronized boolean tornDown() {
        return tornDown;
    }

    @Override
    public void close() {}
}
