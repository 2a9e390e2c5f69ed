package io.ovsfabric.agent.wiring;

import io.ovsfabric.agent.plan.DatapathMode;
import io.ovsfabric.agent.plan.PortTypes;
import io.ovsfabric.common.Ipv4Address;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the command line says about the host's data plane; {@link DataPlaneFactory} turns it into a real one.
 * {@code icc}: dockerd's {@code --icc} for docker0 (false: its containers are kept apart, on this host and across
 * hosts). {@code datapath} may be {@link DatapathMode#AUTO} as given; the wiring resolves it once ({@link #resolved()}).
 * {@code portType} says which types the underlay and docker0 ports may get on the userspace datapath.
 */
public record DataPlaneSettings(String ovsdb, Path ovsRundir, Optional<String> underlayInterface,
        Ipv4Address underlayIp, DatapathMode datapath, boolean icc, PortTypes.Policy portType) {

    public DataPlaneSettings {
        portType = portType == null ? PortTypes.Policy.AUTO : portType;
    }

    /** With icc on (dockerd's default) and the default port-type policy (auto). */
    public DataPlaneSettings(String ovsdb, Path ovsRundir, Optional<String> underlayInterface, Ipv4Address underlayIp,
            DatapathMode datapath) {
        this(ovsdb, ovsRundir, underlayInterface, underlayIp, datapath, true, PortTypes.Policy.AUTO);
    }

    /** The same settings with the datapath decided ({@link HostFacts#datapath}): never AUTO. */
    public DataPlaneSettings resolved() {
        return new DataPlaneSettings(ovsdb, ovsRundir, underlayInterface, underlayIp, HostFacts.datapath(datapath), icc,
                portType);
    }
}
