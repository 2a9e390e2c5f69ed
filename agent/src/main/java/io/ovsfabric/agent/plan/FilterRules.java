package io.ovsfabric.agent.plan;

import java.util.List;

/**
 * The iptables state the agent wants: its own chains (name starts with {@link Ownership#CHAIN_PREFIX}) with
 * their rules in iptables-save's canonical form, and one jump from a builtin chain to each.
 */
public record FilterRules(List<Chain> chains, List<Hook> hooks) {

    public FilterRules {
        chains = List.copyOf(chains);
        hooks = List.copyOf(hooks);
    }

    /** A chain of ours, e.g. nat OVSFABRIC-POSTROUTING. {@code rules} are the text after "-A CHAIN ". */
    public record Chain(String table, String name, List<String> rules) {
        public Chain {
            rules = List.copyOf(rules);
        }
    }

    /** A jump from a builtin chain to one of ours, e.g. filter FORWARD -> OVSFABRIC-FORWARD. */
    public record Hook(String table, String builtinChain, String target) {
        /** The rule text as iptables-save prints it. */
        public String rule() {
            return "-j " + target;
        }
    }
}
