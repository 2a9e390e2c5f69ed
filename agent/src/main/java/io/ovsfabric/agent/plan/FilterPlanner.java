package io.ovsfabric.agent.plan;

import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.model.PublishedPort;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * NAT and forwarding rules, in chains of our own hooked from the builtin chains:
 * <pre>
 * nat    OVSFABRIC-POSTROUTING: fabric -> fabric ACCEPT (never NAT inside the fabric, whatever comes after us);
 *                               fabric -> outside, not via docker0: MASQUERADE
 * nat    OVSFABRIC-PORTS:       published ports of containers on user networks (docker run -p), one DNAT each:
 *                               [-d HOSTIP/32] -p tcp -m tcp --dport 8081 -m comment --comment ofx-ep-ID
 *                               -j DNAT --to-destination 10.205.0.2:80; jumped to from PREROUTING
 *                               (-m addrtype --dst-type LOCAL: from outside and containers) and OUTPUT
 *                               (! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL: from the host itself); made with the
 *                               first published port, then kept (empty when none is left)
 * filter OVSFABRIC-FORWARD:     routed from docker0 with a source outside the host's subnet DROP (spoofing);
 *                               out to the underlay bridge (netdev: br-phy, which br-+ would match too) from docker0
 *                               or a user network with its own source ACCEPT;
 *                               to another Docker bridge (br-+) RETURN (Docker's isolation decides);
 *                               docker0 -> docker0 ACCEPT, or DROP with icc off (Docker's --icc=false);
 *                               from docker0 with a fabric source ACCEPT;
 *                               replies to the fabric via docker0 ACCEPT (Docker's FORWARD policy is DROP)
 * filter OVSFABRIC-INPUT:       jumped to for GRE (-p gre): from each peer's underlay address ACCEPT, else DROP
 * </pre>
 * With user-defined networks (gateway ports {@code ofxg*}), first: nothing is forwarded between two networks' gateways
 * or between a network and docker0 (isolation), then connections DNATed to a network's gateway port (published
 * ports, OVSFABRIC-PORTS) ACCEPT, then per network N: N -> outside ACCEPT, replies ACCEPT, and
 * N -> outside MASQUERADE.
 * Rules are written exactly as iptables-save prints them, so that observed and desired compare as text.
 */
public final class FilterPlanner {
    public static final String NAT_CHAIN = Ownership.CHAIN_PREFIX + "POSTROUTING";
    public static final String FORWARD_CHAIN = Ownership.CHAIN_PREFIX + "FORWARD";
    /** The nat chain of the published ports' DNAT rules. */
    public static final String PORTS_CHAIN = Ownership.CHAIN_PREFIX + "PORTS";
    /** The filter chain that lets GRE (IP protocol 47) in from the fabric's hosts only. */
    public static final String INPUT_CHAIN = Ownership.CHAIN_PREFIX + "INPUT";
    /** What the INPUT hook matches: GRE, as iptables-save prints {@code -p 47}. */
    static final String GRE = "-p gre";
    /** Docker's names for the bridges of its user-defined bridge networks (br-&lt;network id&gt;). */
    static final String DOCKER_BRIDGES = "br-+";
    static final String PORTS_FROM_OUTSIDE = "-m addrtype --dst-type LOCAL";
    static final String PORTS_FROM_HOST = "! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL";
    /** The tables the agent writes to (and the only ones teardown looks at). */
    public static final List<String> TABLES = List.of("nat", "filter");

    private FilterPlanner() {}

    public static FilterRules rules(Cidr fabric, String dockerBridge) {
        return rules(fabric, dockerBridge, List.of());
    }

    public static FilterRules rules(Cidr fabric, String dockerBridge, List<OverlayNetwork> networks) {
        return rules(fabric, dockerBridge, networks, Optional.of(List.of()));
    }

    /**
     * @param publishedPorts the host's published ports; empty when the Docker plugin's state is not known yet (the
     *                       published-port chain is then left as it is)
     */
    public static FilterRules rules(Cidr fabric, String dockerBridge, List<OverlayNetwork> networks,
            Optional<List<PublishedPort>> publishedPorts) {
        return rules(fabric, dockerBridge, networks, publishedPorts, Admission.NONE);
    }

    /**
     * What the admission rules depend on.
     *
     * @param hostSubnet     this host's subnet (docker0's containers' addresses): what docker0 may route out with;
     *                       empty: no source check on routed docker0 traffic
     * @param underlayBridge the OVS bridge holding the underlay address (netdev datapath only, {@code br-phy}): its
     *                       name matches Docker's {@code br-+}, so the way out through it is accepted first
     * @param tunnelPeers    the underlay addresses of the fabric's other hosts: the only senders of GRE let in
     * @param icc            inter-container communication on docker0 ({@link PlanSettings#icc()})
     */
    public record Admission(Optional<Cidr> hostSubnet, Optional<String> underlayBridge, List<Ipv4Address> tunnelPeers,
            boolean icc) {
        /** No host subnet, no underlay bridge, no peers, icc on. */
        public static final Admission NONE = new Admission(Optional.empty(), Optional.empty(), List.of(), true);

        public Admission {
            tunnelPeers = tunnelPeers.stream().distinct().sorted().toList();
        }
    }

    /**
     * @param publishedPorts the host's published ports; empty when the Docker plugin's state is not known yet (the
     *                       published-port chain is then left as it is)
     */
    public static FilterRules rules(Cidr fabric, String dockerBridge, List<OverlayNetwork> networks,
            Optional<List<PublishedPort>> publishedPorts, Admission admission) {
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
            // published ports: what our DNAT (OVSFABRIC-PORTS) sent to a container of a network
            forward.add("-o " + gateways + " -m conntrack --ctstate DNAT -j ACCEPT");
        }
        // docker0's containers are the host's subnet: what they route out with another source is spoofed (their
        // bridged traffic into the fabric is checked by br0's table 0)
        admission.hostSubnet().ifPresent(subnet -> forward.add("! -s " + subnet + " -i " + dockerBridge + " ! -o "
                + dockerBridge + " -j DROP"));
        // netdev: the underlay address sits on br-phy, whose name Docker's br-+ matches too: the way out (and the
        // replies of published ports) must be accepted before the return below hands it to Docker's FORWARD policy
        admission.underlayBridge().ifPresent(underlay -> {
            forward.add("-s " + f + " -i " + dockerBridge + " -o " + underlay + " -j ACCEPT");
            for (OverlayNetwork network : networks) {
                forward.add("-s " + network.subnet() + " -i " + NetworkPlanner.gatewayPort(network) + " -o " + underlay
                        + " -j ACCEPT");
            }
        });
        // other local Docker bridge networks (--internal ones too): Docker's own rules decide, as for any outsider
        // (its isolation chains, published ports, FORWARD policy DROP); nothing of ours may accept ahead of them
        forward.add("-o " + DOCKER_BRIDGES + " -j RETURN");
        // docker0's own containers, bridged to each other or to the fabric's veth (br_netfilter): Docker's --icc
        forward.add("-i " + dockerBridge + " -o " + dockerBridge + " -j " + (admission.icc() ? "ACCEPT" : "DROP"));
        forward.addAll(List.of(
                "-s " + f + " -i " + dockerBridge + " -j ACCEPT",
                "-d " + f + " -o " + dockerBridge + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"));
        for (OverlayNetwork network : networks) {
            String s = network.subnet().toString();
            String port = NetworkPlanner.gatewayPort(network);
            forward.add("-s " + s + " -i " + port + " -j ACCEPT");
            forward.add("-d " + s + " -o " + port + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
            nat.add("-s " + s + " ! -d " + s + " -j MASQUERADE");
        }
        List<String> input = new ArrayList<>();
        for (Ipv4Address peer : admission.tunnelPeers()) {
            input.add("-s " + peer + "/32 -j ACCEPT");
        }
        input.add("-j DROP");
        return new FilterRules(
                List.of(new FilterRules.Chain("nat", NAT_CHAIN, nat),
                        new FilterRules.Chain("filter", FORWARD_CHAIN, forward),
                        new FilterRules.Chain("filter", INPUT_CHAIN, input),
                        new FilterRules.Chain("nat", PORTS_CHAIN, portRules(publishedPorts.orElse(List.of())), true)),
                List.of(new FilterRules.Hook("nat", "POSTROUTING", NAT_CHAIN),
                        new FilterRules.Hook("filter", "FORWARD", FORWARD_CHAIN),
                        new FilterRules.Hook("filter", "INPUT", INPUT_CHAIN, GRE, true),
                        new FilterRules.Hook("nat", "PREROUTING", PORTS_CHAIN, PORTS_FROM_OUTSIDE, false),
                        new FilterRules.Hook("nat", "OUTPUT", PORTS_CHAIN, PORTS_FROM_HOST, false)),
                publishedPorts.isPresent() ? Set.of() : Set.of(PORTS_CHAIN));
    }

    /** The published-port chain's rules for these ports, in order. */
    public static List<String> portRules(List<PublishedPort> ports) {
        List<String> rules = new ArrayList<>();
        for (PublishedPort p : ports) {
            String proto = p.protocol().label();
            StringBuilder rule = new StringBuilder();
            if (!p.allAddresses()) {
                rule.append("-d ").append(p.hostIp()).append("/32 ");
            }
            rule.append("-p ").append(proto).append(" -m ").append(proto).append(" --dport ").append(p.hostPort())
                    .append(" -m comment --comment ").append(comment(p.endpointId()))
                    .append(" -j DNAT --to-destination ").append(p.containerIp()).append(':').append(p.containerPort());
            rules.add(rule.toString());
        }
        return rules;
    }

    /** Names the endpoint in the rule, so that an operator reading iptables-save knows whose port it is. */
    static String comment(String endpointId) {
        String id = endpointId.replaceAll("[^0-9a-zA-Z]", "");
        return "ofx-ep-" + id.substring(0, Math.min(12, id.length()));
    }
}
