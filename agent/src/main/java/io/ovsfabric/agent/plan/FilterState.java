package io.ovsfabric.agent.plan;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * iptables as iptables-save shows it: per table, every chain with its rules (text after "-A CHAIN ").
 * Builtin chains are included so that hooks into them can be seen.
 */
public record FilterState(Map<String, Map<String, List<String>>> tables) {

    public FilterState {
        tables = Map.copyOf(tables);
    }

    public static FilterState empty() {
        return new FilterState(Map.of());
    }

    public Set<String> chains(String table) {
        return new TreeSet<>(tables.getOrDefault(table, Map.of()).keySet());
    }

    public boolean hasChain(String table, String chain) {
        return tables.getOrDefault(table, Map.of()).containsKey(chain);
    }

    public List<String> rules(String table, String chain) {
        return tables.getOrDefault(table, Map.of()).getOrDefault(chain, List.of());
    }

    /** Chains whose name carries our prefix. */
    public Set<String> ownedChains(String table) {
        Set<String> owned = new TreeSet<>();
        for (String chain : chains(table)) {
            if (chain.startsWith(Ownership.CHAIN_PREFIX)) {
                owned.add(chain);
            }
        }
        return owned;
    }
}
