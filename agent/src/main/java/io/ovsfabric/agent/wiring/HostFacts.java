package io.ovsfabric.agent.wiring;

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

    /** {@code system} when the kernel's openvswitch module is loaded, else {@code netdev} (userspace). */
    public static String detectedDatapath() {
        return Files.isDirectory(Path.of("/sys/module/openvswitch")) ? "system" : "netdev";
    }

    public static Map<String, String> capabilities(String datapath) {
        Map<String, String> caps = new LinkedHashMap<>();
        caps.put("datapath", "auto".equals(datapath) ? detectedDatapath() : datapath);
        caps.put("encapsulation", "gre");
        caps.put("agent_version", AGENT_VERSION);
        return caps;
    }
}
