package io.ovsfabric.agent.testing;

import io.ovsfabric.agent.docker.plugin.PluginState;
import io.ovsfabric.agent.docker.plugin.PluginStateStore;
import io.ovsfabric.agent.AgentException;

/** Keeps the last saved state in memory; can be told to fail a future save. */
public final class FakePluginStateStore implements PluginStateStore {
    private PluginState saved = PluginState.empty();
    private int failOnSave = -1;
    private int saves;

    /** Fails the n-th save from now (1 = the next one). */
    public synchronized void failSave(int nth) {
        failOnSave = saves + nth;
    }

    public synchronized PluginState saved() {
        return saved;
    }

    @Override
    public synchronized PluginState load() {
        return saved;
    }

    @Override
    public synchronized void save(PluginState state) {
        saves++;
        if (saves == failOnSave) {
            throw AgentException.failed("fake store: injected write failure", null);
        }
        saved = state;
    }
}
