package io.ovsfabric.agent.docker.plugin;

import java.util.function.UnaryOperator;

/**
 * The current plugin state and its store. An update is persisted before it becomes current: if the save fails,
 * the state stays as it was and the caller sees the failure.
 */
final class StateHolder {
    private final PluginStateStore store;
    private volatile PluginState state;

    StateHolder(PluginStateStore store) {
        this.store = store;
        this.state = store.load();
    }

    PluginState current() {
        return state;
    }

    synchronized PluginState update(UnaryOperator<PluginState> change) {
        PluginState next = change.apply(state);
        if (!next.equals(state)) {
            store.save(next);
            state = next;
        }
        return next;
    }
}
