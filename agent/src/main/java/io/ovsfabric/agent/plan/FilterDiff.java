package io.ovsfabric.agent.plan;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Desired iptables chains against iptables-save, and the iptables-restore --noflush scripts that fix them.
 * A script declares each of our chains (which flushes it) and refills it, adds a missing hook, drops duplicate
 * hooks and removes stale chains of ours, all in one table transaction: no moment without rules.
 */
public final class FilterDiff {
    private FilterDiff() {}

    public static Optional<Change> change(FilterRules wanted, FilterState observed) {
        FilterRules desired = effective(wanted, observed);
        List<String> problems = new ArrayList<>();
        for (FilterRules.Chain chain : desired.chains()) {
            if (!observed.hasChain(chain.table(), chain.name())) {
                problems.add(chain.table() + " " + chain.name() + " missing");
            } else if (!observed.rules(chain.table(), chain.name()).equals(chain.rules())) {
                problems.add(chain.table() + " " + chain.name() + " rules differ");
            }
        }
        for (FilterRules.Hook hook : desired.hooks()) {
            List<String> builtin = observed.rules(hook.table(), hook.builtinChain());
            int count = Collections.frequency(builtin, hook.rule());
            if (count != 1) {
                problems.add(hook.table() + " " + hook.builtinChain() + " jumps to " + hook.target() + " " + count + " times");
            } else if (hook.inFront() && !inFront(builtin, hook.rule())) {
                problems.add(hook.table() + " " + hook.builtinChain() + " jumps to " + hook.target() + " after other rules");
            }
        }
        for (String table : FilterPlanner.TABLES) {
            for (String stale : staleChains(desired, observed, table)) {
                problems.add(table + " " + stale + " is stale");
            }
        }
        if (problems.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Change.SyncFilter(syncScript(desired, observed), String.join(", ", problems)));
    }

    /** The script that makes iptables match {@code desired}. */
    public static String syncScript(FilterRules wanted, FilterState observed) {
        FilterRules desired = effective(wanted, observed);
        StringBuilder script = new StringBuilder();
        for (String table : FilterPlanner.TABLES) {
            List<String> lines = new ArrayList<>();
            for (FilterRules.Chain chain : desired.chains()) {
                if (chain.table().equals(table)) {
                    lines.add(":" + chain.name() + " - [0:0]");
                    chain.rules().forEach(rule -> lines.add("-A " + chain.name() + " " + rule));
                }
            }
            for (FilterRules.Hook hook : desired.hooks()) {
                if (hook.table().equals(table)) {
                    List<String> builtin = observed.rules(table, hook.builtinChain());
                    int count = Collections.frequency(builtin, hook.rule());
                    if (count == 1 && (!hook.inFront() || inFront(builtin, hook.rule()))) {
                        continue;
                    }
                    for (int i = 0; i < count; i++) {
                        lines.add("-D " + hook.builtinChain() + " " + hook.rule());
                    }
                    lines.add("-I " + hook.builtinChain() + " 1 " + hook.rule());
                }
            }
            appendRemoval(script, table, lines, staleChains(desired, observed, table), observed);
        }
        return script.toString();
    }

    /** The script that removes every chain of ours and every jump to them. */
    public static String teardownScript(FilterState observed) {
        StringBuilder script = new StringBuilder();
        for (String table : FilterPlanner.TABLES) {
            appendRemoval(script, table, new ArrayList<>(), observed.ownedChains(table), observed);
        }
        return script.toString();
    }

    /**
     * Appends one table block with {@code lines} plus the unhooking and flushing of {@code doomed} chains, and a
     * second block deleting them (nft refuses to delete a chain whose jumps go away in the same block).
     */
    private static void appendRemoval(StringBuilder script, String table, List<String> lines, Set<String> doomed,
            FilterState observed) {
        for (String chain : observed.chains(table)) {
            for (String rule : observed.rules(table, chain)) {
                if (doomed.stream().anyMatch(target -> jumpsTo(rule, target))) {
                    lines.add("-D " + chain + " " + rule);
                }
            }
        }
        doomed.forEach(chain -> lines.add("-F " + chain));
        if (!lines.isEmpty()) {
            script.append('*').append(table).append('\n');
            lines.forEach(line -> script.append(line).append('\n'));
            script.append("COMMIT\n");
        }
        if (!doomed.isEmpty()) {
            script.append('*').append(table).append('\n');
            doomed.forEach(chain -> script.append("-X ").append(chain).append('\n'));
            script.append("COMMIT\n");
        }
    }

    /**
     * Whether the jump comes before every rule of the builtin chain but Docker's DOCKER-USER jump. dockerd inserts its
     * own FORWARD rules at the top when it starts after the agent; behind "-i docker0 ! -o docker0 -j ACCEPT" our
     * isolation rules would never see docker0's traffic to a network's gateway port.
     */
    static boolean inFront(List<String> builtin, String hookRule) {
        for (String rule : builtin) {
            if (rule.equals(hookRule)) {
                return true;
            }
            if (!rule.equals("-j DOCKER-USER")) {
                return false;
            }
        }
        return false;
    }

    static boolean jumpsTo(String rule, String chain) {
        return rule.endsWith("-j " + chain) || rule.contains("-j " + chain + " ") || rule.endsWith("-g " + chain)
                || rule.contains("-g " + chain + " ");
    }

    private static Set<String> staleChains(FilterRules desired, FilterState observed, String table) {
        Set<String> stale = new TreeSet<>(observed.ownedChains(table));
        desired.chains().stream().filter(c -> c.table().equals(table)).forEach(c -> stale.remove(c.name()));
        stale.removeAll(desired.leaveAlone());
        return stale;
    }

    /**
     * The chains and hooks this pass deals with: without the chains to leave alone, and without a chain that is only
     * made when used while it has no rules and does not exist (nor the hooks to them).
     */
    static FilterRules effective(FilterRules desired, FilterState observed) {
        List<FilterRules.Chain> chains = desired.chains().stream()
                .filter(c -> !desired.leaveAlone().contains(c.name()))
                .filter(c -> !c.onlyWhenUsed() || !c.rules().isEmpty() || observed.hasChain(c.table(), c.name()))
                .toList();
        List<FilterRules.Hook> hooks = desired.hooks().stream()
                .filter(h -> chains.stream().anyMatch(c -> c.table().equals(h.table()) && c.name().equals(h.target())))
                .toList();
        return new FilterRules(chains, hooks, desired.leaveAlone());
    }
}
