package io.ovsfabric.agent.wiring;

import io.ovsfabric.agent.model.DataPlane;
import io.ovsfabric.agent.plan.LocalEndpoints;
import java.util.Optional;
import java.util.function.Supplier;

/** Opens the host's data plane: the seam between the agent's control side and OVS (replaced by a fake in tests). */
@FunctionalInterface
public interface DataPlaneFactory {
    /**
     * @param localEndpoints the Docker plugin's endpoints and published ports, read at every pass (empty: not known
     *                       yet, leave them as they are)
     */
    DataPlane open(DataPlaneSettings settings, Supplier<Optional<LocalEndpoints>> localEndpoints);

    /** A data plane without Docker endpoints (teardown, an agent without Docker). */
    default DataPlane open(DataPlaneSettings settings) {
        return open(settings, () -> Optional.of(LocalEndpoints.NONE));
    }
}
