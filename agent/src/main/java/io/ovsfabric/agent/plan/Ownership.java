package io.ovsfabric.agent.plan;

import io.ovsfabric.common.HostId;
import java.util.Map;

/**
 * How the agent marks what it owns, so that a restart or a teardown finds its objects and never touches
 * anyone else's: OVSDB external_ids on bridges and ports, an interface alias on Linux links it creates, a
 * cookie on flows ({@link Cookie}) and a chain-name prefix for iptables.
 */
public final class Ownership {
    public static final String OWNER_KEY = "ovsfabric-owner";
    public static final String OWNER_VALUE = "agent";
    public static final String HOST_KEY = "ovsfabric-host";
    /** On the integration bridge: the flow round of the agent run that last reconciled it. */
    public static final String ROUND_KEY = "ovsfabric-round";
    /** On the underlay bridge: what to give back to the underlay interface on teardown. */
    public static final String UNDERLAY_INTERFACE_KEY = "ovsfabric-underlay-interface";
    public static final String UNDERLAY_ADDRESS_KEY = "ovsfabric-underlay-address";
    public static final String UNDERLAY_ROUTES_KEY = "ovsfabric-underlay-routes";
    /**
     * On a port the agent gave AF_PACKET because ovs-vswitchd refused AF_XDP on it: the refusal
     * ({@code Interface.error}), so that a restarted agent keeps the working type instead of changing it under traffic.
     */
    public static final String AFXDP_REFUSED_KEY = "ovsfabric-afxdp-refused";
    /** Interface alias (ifalias) of Linux links the agent created. */
    public static final String LINK_ALIAS = "ovsfabric-owner=agent";
    /** Every iptables chain of the agent starts with this. */
    public static final String CHAIN_PREFIX = "OVSFABRIC-";

    private Ownership() {}

    public static boolean owns(Map<String, String> externalIds) {
        return OWNER_VALUE.equals(externalIds.get(OWNER_KEY));
    }

    public static Map<String, String> marks(HostId host) {
        return Map.of(OWNER_KEY, OWNER_VALUE, HOST_KEY, host.value());
    }
}
