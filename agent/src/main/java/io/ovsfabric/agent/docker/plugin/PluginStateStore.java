package io.ovsfabric.agent.docker.plugin;

import io.ovsfabric.agent.AgentException;
/**
 * Where the plugin's state survives agent restarts. {@code save} is all-or-nothing: after a crash, {@code load}
 * returns either the previous or the new state, never a mix. Failure is a
 * {@link io.ovsfabric.agent.docker.AgentException} of kind FAILED.
 */
public interface PluginStateStore {

    /** The last saved state, or the empty state if none was ever saved. */
    PluginState load();

    void save(PluginState state);
}
