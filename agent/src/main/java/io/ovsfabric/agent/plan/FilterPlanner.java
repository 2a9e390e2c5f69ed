package io.ovsfabric.agent.plan;

import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.common.Cidr;
import java.util.ArrayList;
import java.util.List;

/**
 * NAT and forwarding rules, in chains of our own hooked from the builtin chains:
 * <pre>
 * nat    OVSFABRIC-POSTROUTING: fabric -> fabric ACCEPT (never NAT inside the fabric, whatever comes after us);
 *                               fabric -> outside, not via docker0: MASQUERADE
 * filter OVSFABRIC-FORWARD:     fabric <-> fabric ACCEPT; from docker0 with a fabric source ACCEPT;
 *                               replies to the fabric via docker0 ACCEPT (Docker's FORWARD policy is DROP)
 * </pre>
 * With user-defined networks (gateway ports {@code ofxg*}), first: nothing is forwarded between two networks' gateways
 * or between a network and docker0 (isolation), then connections DNATed to a network's gateway port (published
 * ports, {@link PortForwardingPlanner}) ACCEPT, then per network N: N -> outside ACCEPT, replies ACCEPT, and
 * N -> outside MASQUERADE.
 * Rules are written exactly as iptables-save prints them, so that observed and desired compare as text.
 */
public final class FilterPlanner {
    public static final String NAT_CHAIN = Ownership.CHAIN_PREFIX + "POSTROUTING";
    public static final String FORWARD_CHAIN = Ownership.CHAIN_PREFIX + "FORWARD";
    /** The tables the agent writes to (and the only ones teardown looks at). */
    public static final List<String> TABLES = List.of("nat", "filter");

    private FilterPlanner() {}

    public static FilterRules rules(Cidr fabric, String dockerBridge) {
        return rules(fabric, dockerBridge, List.of());
    }

    public static FilterRules rules(Cidr fabric, String dockerBridge, List<OverlayNetwork> networks) {
        String f = fabric.toString();
        List<String> nat = new ArrayList<>(List.of(
                "-s " + f + " -d " + f + " -j ACCEPT",
                "-s " + f + " ! -d " + f + " ! -o " + dockerBridge + " -j MASQUERADE"));
        List<String> forward = new ArrayList<>();
        if (!networks.isEmpty()) {
            String gateways = NetworkPlanner.GATEWAY_PREFIX + "+";
            forward.add("-i " + gateways + " -o " + gateways + " -j DROP");
            forward.add("-i " + gateways + " -o " + dockerBridge + " -j DROP");
            forward.add("-i " + dockerBridge + " -o " + gateways + " -j DROP");
            // published ports: what our DNAT sent to a container of a network (PortForwardingPlanner)
            forward.add("-o " + gateways + " -m conntrack --ctstate DNAT -j ACCEPT");
        }
        forward.addAll(List.of(
                "-s " + f + " -d " + f + " -j ACCEPT",
                "-s " + f + " -i " + dockerBridge + " -j ACCEPT",
                "-d " + f + " -o " + dockerBridge + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"));
        for (OverlayNetwork network : networks) {
            String s = network.subnet().toString();
            String port = NetworkPlanner.gatewayPort(network);
            forward.add("-s " + s + " -i " + port + " -j ACCEPT");
            forward.add("-d " + s + " -o " + port + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
            nat.add("-s " + s + " ! -d " + s + " -j MASQUERADE");
        }
        return new FilterRules(
                List.of(new FilterRules.Chain("nat", NAT_CHAIN, nat),
                        new FilterRules.Chain("filter", FORWARD_CHAIN, forward)),
                List.of(new FilterRules.Hook("nat", "POSTROUTING", NAT_CHAIN),
                        new FilterRules.Hook("filter", "FORWARD", FORWARD_CHAIN)));
    }
}
