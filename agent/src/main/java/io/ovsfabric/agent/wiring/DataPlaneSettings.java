package io.ovsfabric.agent.wiring;

import io.ovsfabric.agent.plan.DatapathMode;
import io.ovsfabric.common.Ipv4Address;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the command line says about the host's data plane; {@link DataPlaneFactory} turns it into a real one.
 * {@code datapath} may be {@link DatapathMode#AUTO} as given; the wiring resolves it once ({@link #resolved()}).
 */
public record DataPlaneSettings(String ovsdb, Path ovsRundir, Optional<String> underlayInterface,
        Ipv4Address underlayIp, DatapathMode datapath) {

    /** The same settings with the datapath decided ({@link HostFacts#datapath}): never AUTO. */
    public DataPlaneSettings resolved() {
        return new DataPlaneSettings(ovsdb, ovsRundir, underlayInterface, underlayIp, HostFacts.datapath(datapath));
    }
}
