package io.ovsfabric.ctl;

import io.ovsfabric.proto.v1.Host;
import io.ovsfabric.proto.v1.HostState;
import java.util.List;
import java.util.Map;

/** Proto hosts as JSON records and table rows. */
final class HostRows {
    private HostRows() {}

    record HostJson(String hostId, String state, String underlayIp, String subnet, String gateway,
            Map<String, String> capabilities, long registeredAtUnixMs, long downSinceUnixMs, long reclaimableAtUnixMs) {}

    static HostJson json(Host h) {
        return new HostJson(h.getHostId(), state(h.getState()), h.getUnderlayIp(), h.getSubnet(), h.getGateway(),
                new java.util.TreeMap<>(h.getCapabilitiesMap()), h.getRegisteredAtUnixMs(), h.getDownSinceUnixMs(),
                h.getReclaimableAtUnixMs());
    }

    static final List<String> HEADER = List.of("HOST", "STATE", "UNDERLAY", "SUBNET", "GATEWAY", "NOTE");

    static List<String> row(Host h) {
        return List.of(h.getHostId(), state(h.getState()), h.getUnderlayIp(), h.getSubnet(), h.getGateway(), note(h));
    }

    static String note(Host h) {
        return switch (h.getState()) {
            case HOST_STATE_DOWN -> h.getDownSinceUnixMs() == 0 ? "down, grace period starting"
                    : "down since " + Output.time(h.getDownSinceUnixMs()) + ", reclaimable at " + Output.time(h.getReclaimableAtUnixMs());
            case HOST_STATE_RESERVED -> "reserved, never registered";
            default -> "";
        };
    }

    static String state(HostState state) {
        return switch (state) {
            case HOST_STATE_UP -> "UP";
            case HOST_STATE_DOWN -> "DOWN";
            case HOST_STATE_RESERVED -> "RESERVED";
            default -> "UNKNOWN";
        };
    }
}
