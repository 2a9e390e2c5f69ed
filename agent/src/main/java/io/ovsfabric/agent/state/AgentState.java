package io.ovsfabric.agent.state;

import io.ovsfabric.agent.model.FabricView;
import io.ovsfabric.agent.model.LocalHost;

/** What the agent remembers across restarts: its own registration and the last topology it applied. */
public record AgentState(LocalHost self, FabricView view) {}
