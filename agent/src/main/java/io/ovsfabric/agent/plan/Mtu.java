package io.ovsfabric.agent.plan;

import io.ovsfabric.agent.AgentException;
import java.util.stream.IntStream;

/**
 * MTU math. A GRE packet with a key carries the inner Ethernet frame (14 bytes of header) inside a GRE header
 * with key (8) inside an outer IPv4 header (20): 42 bytes on top of the inner IP packet. The inner MTU (docker0,
 * the veths, containers) must therefore be the underlay MTU minus 42, or full-size TCP segments are dropped.
 */
public final class Mtu {
    public static final int OUTER_IPV4 = 20;
    public static final int GRE_WITH_KEY = 8;
    public static final int INNER_ETHERNET = 14;
    public static final int GRE_KEYED_OVERHEAD = OUTER_IPV4 + GRE_WITH_KEY + INNER_ETHERNET;
    /** The smallest MTU IPv4 allows on a link. */
    public static final int IPV4_MINIMUM = 68;

    private Mtu() {}

    /**
     * The overlay MTU: the smallest of what the controller handed out, what the fabric's underlay MTU allows, and
     * what this host's own underlay interface allows. Values of 0 are unknown and ignored.
     *
     * @throws AgentException when nothing is known or the result is below the IPv4 minimum
     */
    public static int overlay(int controllerMtu, int fabricUnderlayMtu, int overhead, int localUnderlayMtu) {
        int result = IntStream.of(controllerMtu,
                        fabricUnderlayMtu > 0 ? fabricUnderlayMtu - overhead : 0,
                        localUnderlayMtu > 0 ? localUnderlayMtu - overhead : 0)
                .filter(mtu -> mtu != 0)
                .min()
                .orElseThrow(() -> new AgentException(
                        "no MTU known: the controller sent none and the underlay interface's MTU is unknown"));
        if (result < IPV4_MINIMUM) {
            throw new AgentException("overlay MTU would be " + result + " (controller " + controllerMtu
                    + ", fabric underlay " + fabricUnderlayMtu + ", local underlay " + localUnderlayMtu + ", overhead "
                    + overhead + "): raise the underlay MTU to at least " + (IPV4_MINIMUM + overhead));
        }
        return result;
    }
}
