package io.ovsfabric.agent.plan;

import java.util.List;
import java.util.Set;

/**
 * The iptables state the agent wants: its own chains (name starts with {@link Ownership#CHAIN_PREFIX}) with
 * their rules in iptables-save's canonical form, and one jump from a builtin chain to each.
 *
 * @param leaveAlone chains of ours this pass must leave as they are (neither compared nor removed as stale): the
 *                   published-port chain while the Docker plugin's state is not known yet
 */
public record FilterRules(List<Chain> chains, List<Hook> hooks, Set<String> leaveAlone) {

    public FilterRules {
        chains = List.copyOf(chains);
        hooks = List.copyOf(hooks);
        leaveAlone = Set.copyOf(leaveAlone);
    }

    public FilterRules(List<Chain> chains, List<Hook> hooks) {
        this(chains, hooks, Set.of());
    }

    /**
     * A chain of ours, e.g. nat OVSFABRIC-POSTROUTING. {@code rules} are the text after "-A CHAIN ".
     *
     * @param onlyWhenUsed when it has no rules and does not exist, it is not created (nor hooked); once it exists it
     *                     is kept, flushed, with its hooks (the published-port chain of a host that never published)
     */
    public record Chain(String table, String name, List<String> rules, boolean onlyWhenUsed) {
        public Chain {
            rules = List.copyOf(rules);
        }

        public Chain(String table, String name, List<String> rules) {
            this(table, name, rules, false);
        }
    }

    /**
     * A jump from a builtin chain to one of ours, e.g. filter FORWARD -> OVSFABRIC-FORWARD.
     *
     * @param match   what the jump matches before "-j", as iptables-save prints it ("" = everything)
     * @param inFront the jump must come before the builtin chain's other rules (but Docker's DOCKER-USER jump); else
     *                it only has to be there exactly once
     */
    public record Hook(String table, String builtinChain, String target, String match, boolean inFront) {
        public Hook(String table, String builtinChain, String target) {
            this(table, builtinChain, target, "", true);
        }

        /** The rule text as iptables-save prints it. */
        public String rule() {
            return (match.isEmpty() ? "" : match + " ") + "-j " + target;
        }
    }
}
