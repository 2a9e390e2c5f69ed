package io.ovsfabric.agent.plan;

import io.ovsfabric.agent.AgentException;
import java.util.Locale;

/**
 * Which OVS datapath the bridges use. {@code system} is the kernel module; {@code netdev} is the userspace
 * datapath, used where the module is missing (it then needs the underlay address on an OVS bridge, see
 * docs/dataplane.md). {@code auto} picks one from what the host has.
 */
public enum DatapathMode {
    AUTO, SYSTEM, NETDEV;

    public static DatapathMode parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw AgentException.invalid("datapath mode '" + text + "' is not one of auto, system, netdev");
        }
    }

    /** AUTO becomes SYSTEM when the openvswitch kernel module is loaded, NETDEV otherwise; others stay. */
    public DatapathMode resolve(boolean kernelModuleLoaded) {
        if (this != AUTO) {
            return this;
        }
        return kernelModuleLoaded ? SYSTEM : NETDEV;
    }

    /** The value of OVSDB {@code Bridge.datapath_type}. */
    public String ovsDatapathType() {
        return switch (this) {
            case SYSTEM -> "system";
            case NETDEV -> "netdev";
            case AUTO -> throw new IllegalStateException("resolve AUTO before asking for the OVS datapath type");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
