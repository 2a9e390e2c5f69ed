package io.ovsfabric.agent.wiring;

import io.ovsfabric.agent.dataplane.DataPlaneConfig;
import io.ovsfabric.agent.dataplane.OvsDataPlane;
import io.ovsfabric.agent.model.DataPlane;
import io.ovsfabric.agent.ovs.OvsdbTarget;
import io.ovsfabric.agent.plan.DatapathMode;

/** Opens {@link OvsDataPlane} from the command line's settings. */
final class OvsDataPlaneFactory implements DataPlaneFactory {
    @Override
    public DataPlane open(DataPlaneSettings settings) {
        DataPlaneConfig config = DataPlaneConfig.defaults(settings.underlayIp())
                .withOvsdb(OvsdbTarget.parse(settings.ovsdb()))
                .withOvsRundir(settings.ovsRundir())
                .withDatapathMode(DatapathMode.parse(settings.datapath()));
        if (settings.underlayInterface().isPresent()) {
            config = config.withUnderlayInterface(settings.underlayInterface().get());
        }
        config.validate();
        return OvsDataPlane.open(config);
    }
}
