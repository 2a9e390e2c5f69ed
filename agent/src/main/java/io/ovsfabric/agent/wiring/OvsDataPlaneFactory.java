package io.ovsfabric.agent.wiring;

import io.ovsfabric.agent.dataplane.DataPlaneConfig;
import io.ovsfabric.agent.dataplane.OvsDataPlane;
import io.ovsfabric.agent.model.DataPlane;
import io.ovsfabric.agent.ovs.OvsdbTarget;
import io.ovsfabric.agent.plan.LocalEndpoints;
import java.util.Optional;
import java.util.function.Supplier;

/** Opens {@link OvsDataPlane} from the command line's settings. */
final class OvsDataPlaneFactory implements DataPlaneFactory {
    private final io.ovsfabric.agent.metrics.AgentMetrics metrics;

    OvsDataPlaneFactory(io.ovsfabric.agent.metrics.AgentMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public DataPlane open(DataPlaneSettings settings, Supplier<Optional<LocalEndpoints>> localEndpoints) {
        DataPlaneConfig config = DataPlaneConfig.defaults(settings.underlayIp())
                .withOvsdb(OvsdbTarget.parse(settings.ovsdb()))
                .withOvsRundir(settings.ovsRundir())
                .withDatapathMode(settings.resolved().datapath())
                .withIcc(settings.icc());
        if (settings.underlayInterface().isPresent()) {
            config = config.withUnderlayInterface(settings.underlayInterface().get());
        }
        config.validate();
        OvsDataPlane dataPlane = OvsDataPlane.open(config);
        dataPlane.useLocalEndpoints(localEndpoints);
        dataPlane.useMetrics(metrics);
        dataPlane.usePortTypes(settings.portType());
        return dataPlane;
    }
}
