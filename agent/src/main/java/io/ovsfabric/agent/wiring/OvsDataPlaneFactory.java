package io.ovsfabric.agent.wiring;

import io.ovsfabric.agent.model.DataPlane;

/** Opens {@code OvsDataPlane} from the command line's settings. */
final class OvsDataPlaneFactory implements DataPlaneFactory {
    @Override
    public DataPlane open(DataPlaneSettings settings) {
        // Bound to io.ovsfabric.agent.dataplane.OvsDataPlane when the data plane branch is merged.
        throw new IllegalStateException("the OVS data plane is not part of this build yet");
    }
}
