package io.ovsfabric.agent.diag;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The OpenFlow port numbers and names of {@code ovs-ofctl -O OpenFlow13 dump-ports-desc BRIDGE}. Pure. */
public final class PortTable {
    private static final Pattern PORT = Pattern.compile("^\\s*(\\d+)\\(([^)]+)\\):.*$");

    private PortTable() {}

    /** Number to name; LOCAL (the bridge's own port) is left out. */
    public static Map<Integer, String> parse(String text) {
        Map<Integer, String> ports = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            Matcher m = PORT.matcher(line);
            if (m.matches()) {
                ports.put(Integer.parseInt(m.group(1)), m.group(2));
            }
        }
        return ports;
    }
}
