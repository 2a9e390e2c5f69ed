package io.ovsfabric.agent.wiring;

import io.ovsfabric.common.Ipv4Address;
import java.nio.file.Path;
import java.util.Optional;

/** What the command line says about the host's data plane; {@link DataPlaneFactory} turns it into a real one. */
public record DataPlaneSettings(String ovsdb, Path ovsRundir, Optional<String> underlayInterface,
        Ipv4Address underlayIp, String datapath) {}
