package io.ovsfabric.agent.plan;

import io.ovsfabric.agent.model.PublishedPort;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Published ports of containers on user networks as DNAT rules, in one nat chain of ours that the Docker plugin keeps
 * in step with its endpoints (the data plane leaves it alone, {@link FilterDiff}):
 * <pre>
 * nat PREROUTING  -m addrtype --dst-type LOCAL                  -j OVSFABRIC-PORTS   (from outside and containers)
 * nat OUTPUT      ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j OVSFABRIC-PORTS   (from the host itself)
 * nat OVSFABRIC-PORTS: per port  [-d HOSTIP/32] -p tcp -m tcp --dport 8081 -m comment --comment ofx-ep-ID
 *                                -j DNAT --to-destination 10.205.0.2:80
 * </pre>
 * What was DNATed towards a network's gateway port is let through by the data plane's FORWARD chain, after its
 * isolation rules ({@link FilterPlanner}). Rules are written as iptables-save prints them, so that the observed chain
 * compares with the desired one as text.
 */
public final class PortForwardingPlanner {
    public static final String TABLE = "nat";
    public static final String CHAIN = Ownership.CHAIN_PREFIX + "PORTS";
    /** Jumps into the chain: builtin chain and rule text. */
    static final List<List<String>> HOOKS = List.of(
            List.of("PREROUTING", "-m addrtype --dst-type LOCAL -j " + CHAIN),
            List.of("OUTPUT", "! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j " + CHAIN));

    private PortForwardingPlanner() {}

    /** The chain's rules for these ports, in order. */
    public static List<String> rules(List<PublishedPort> ports) {
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

    /**
     * The iptables-restore --noflush script that makes the chain hold exactly {@code ports} and be jumped to once from
     * each hook, or empty when it does already. A host that never published a port gets no chain at all.
     */
    public static Optional<String> script(List<PublishedPort> ports, FilterState observed) {
        boolean present = observed.hasChain(TABLE, CHAIN);
        if (ports.isEmpty() && !present) {
            return Optional.empty();
        }
        List<String> desired = rules(ports);
        boolean same = present && observed.rules(TABLE, CHAIN).equals(desired);
        List<String> hookLines = new ArrayList<>();
        for (List<String> hook : HOOKS) {
            int count = Collections.frequency(observed.rules(TABLE, hook.get(0)), hook.get(1));
            if (count == 0) {
                hookLines.add("-I " + hook.get(0) + " 1 " + hook.get(1));
            }
            for (int i = 1; i < count; i++) {
                hookLines.add("-D " + hook.get(0) + " " + hook.get(1));
            }
        }
        if (same && hookLines.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder script = new StringBuilder("*" + TABLE + "\n");
        script.append(':').append(CHAIN).append(" - [0:0]\n");   // declaring it flushes it: refilled just below
        desired.forEach(rule -> script.append("-A ").append(CHAIN).append(' ').append(rule).append('\n'));
        hookLines.forEach(line -> script.append(line).append('\n'));
        return Optional.of(script.append("COMMIT\n").toString());
    }

    /** Names the endpoint in the rule, so that an operator reading iptables-save knows whose port it is. */
    static String comment(String endpointId) {
        String id = endpointId.replaceAll("[^0-9a-zA-Z]", "");
        return "ofx-ep-" + id.substring(0, Math.min(12, id.length()));
    }
}
