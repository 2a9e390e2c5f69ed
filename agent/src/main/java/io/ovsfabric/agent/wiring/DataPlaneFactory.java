package io.ovsfabric.agent.wiring;

import io.ovsfabric.agent.model.DataPlane;

/** Opens the host's data plane: the seam between the agent's control side and OVS (replaced by a fake in tests). */
@FunctionalInterface
public interface DataPlaneFactory {
    DataPlane open(DataPlaneSettings settings);
}
