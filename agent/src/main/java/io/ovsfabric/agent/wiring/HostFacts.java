package io.ovsfabric.agent.wiring;

import io.ovsfabric.agent.plan.DatapathMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Facts about this host the agent reports at registration, read from /sys. */
public final class HostFacts {
    private HostFacts() {}

    public static final String AGENT_VERSION = "0.1.0";

    /** The underlay interface's MTU, or 0 when unknown (the controller then assumes the fabric's). */
    public static int underlayMtu(Optional<String> underlayInterface) {
        if (underlayInterface.isEmpty()) {
            return 0;
        }
        try {
            return Integer.parseInt(Files.readString(Path.of("/sys/class/net", underlayInterface.get(), "mtu")).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /**
     * The datapath this agent uses, decided once at start: {@code --datapath system|netdev} as given, {@code auto}
     * becomes {@link DatapathMode#SYSTEM} when the kernel's openvswitch module is loaded, else
     * {@link DatapathMode#NETDEV} (userspace). The only place that looks at the host for it; the data plane and the
     * registration's capabilities get the result.
     */
    public static DatapathMode datapath(DatapathMode requested) {
        return requested.resolve(Files.isDirectory(KERNEL_MODULE));
    }

    private static final Path KERNEL_MODULE = Path.of("/sys/module/openvswitch");

    /** What the host reports at registration; {@code datapath} is the resolved one ({@link #datapath}). */
    public static Map<String, String> capabilities(DatapathMode datapath) {
        Map<String, String> caps = new LinkedHashMap<>();
        caps.put("datapath", datapath.ovsDatapathType());
        caps.put("encapsulation", "gre");
        caps.put("agent_version", AGENT_VERSION);
        return caps;
    }
}
