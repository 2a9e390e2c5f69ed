package io.ovsfabric.agent.plan;

import io.ovsfabric.common.Cidr;
import java.util.List;

/**
 * NAT and forwarding rules, in chains of our own hooked from the builtin chains:
 * <pre>
 * nat    OVSFABRIC-POSTROUTING: fabric -> fabric ACCEPT (never NAT inside the fabric, whatever comes after us);
 *                               fabric -> outside, not via docker0: MASQUERADE
 * filter OVSFABRIC-FORWARD:     fabric <-> fabric ACCEPT; from docker0 with a fabric source ACCEPT;
 *                               replies to the fabric via docker0 ACCEPT (Docker's FORWARD policy is DROP)
 * </pre>
 * Rules are written exactly as iptables-save prints them, so that observed and desired compare as text.
 */
public final class FilterPlanner {
    public static final String NAT_CHAIN = Ownership.CHAIN_PREFIX + "POSTROUTING";
    public static final String FORWARD_CHAIN = Ownership.CHAIN_PREFIX + "FORWARD";
    /** The tables the agent writes to (and the only ones teardown looks at). */
    public static final List<String> TABLES = List.of("nat", "filter");

    private FilterPlanner() {}

    public static FilterRules rules(Cidr fabric, String dockerBridge) {
        String f = fabric.toString();
        return new FilterRules(
                List.of(new FilterRules.Chain("nat", NAT_CHAIN, List.of(
                                "-s " + f + " -d " + f + " -j ACCEPT",
                                "-s " + f + " ! -d " + f + " ! -o " + dockerBridge + " -j MASQUERADE")),
                        new FilterRules.Chain("filter", FORWARD_CHAIN, List.of(
                                "-s " + f + " -d " + f + " -j ACCEPT",
                                "-s " + f + " -i " + dockerBridge + " -j ACCEPT",
                                "-d " + f + " -o " + dockerBridge
                                        + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"))),
                List.of(new FilterRules.Hook("nat", "POSTROUTING", NAT_CHAIN),
                        new FilterRules.Hook("filter", "FORWARD", FORWARD_CHAIN)));
    }
}
