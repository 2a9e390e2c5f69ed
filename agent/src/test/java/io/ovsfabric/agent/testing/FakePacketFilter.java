package io.ovsfabric.agent.testing;

import io.ovsfabric.agent.linux.PacketFilter;
import io.ovsfabric.agent.plan.FilterState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * In-memory iptables that runs the subset of iptables-restore --noflush the agent writes (":CHAIN", "-A", "-I C 1",
 * "-D", "-F", "-X"); each table block is all-or-nothing, like the real thing.
 */
public final class FakePacketFilter implements PacketFilter {
    private final Map<String, Map<String, List<String>>> tables = new LinkedHashMap<>();
    private int restores;

    public FakePacketFilter() {
        tables.put("nat", chains("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"));
        tables.put("filter", chains("INPUT", "FORWARD", "OUTPUT"));
    }

    public int restores() {
        return restores;
    }

    /** What "iptables -t TABLE -A CHAIN rule" (creating the chain when needed) does. */
    public void append(String table, String chain, String rule) {
        tables.get(table).computeIfAbsent(chain, c -> new ArrayList<>()).add(rule);
    }

    public void delete(String table, String chain, String rule) {
        tables.get(table).get(chain).remove(rule);
    }

    @Override
    public FilterState observe() {
        Map<String, Map<String, List<String>>> copy = new LinkedHashMap<>();
        tables.forEach((t, chains) -> {
            Map<String, List<String>> c = new LinkedHashMap<>();
            chains.forEach((name, rules) -> c.put(name, List.copyOf(rules)));
            copy.put(t, c);
        });
        return new FilterState(copy);
    }

    @Override
    public void restore(String script) {
        restores++;
        String table = null;
        Map<String, List<String>> work = null;
        for (String line : script.split("\n")) {
            if (line.startsWith("*")) {
                table = line.substring(1);
                work = deepCopy(tables.get(table));
            } else if (line.equals("COMMIT")) {
                tables.put(table, work);
            } else if (line.startsWith(":")) {
                work.put(line.substring(1).split(" ")[0], new ArrayList<>());
            } else {
                String[] parts = line.split(" ", 3);
                String chain = parts[1];
                List<String> rules = work.get(chain);
                if (rules == null && !parts[0].equals("-X")) {
                    throw new IllegalStateException("iptables-restore: chain " + chain + " does not exist: " + line);
                }
                switch (parts[0]) {
                    case "-A" -> rules.add(parts[2]);
                    case "-I" -> rules.add(0, parts[2].substring(parts[2].indexOf(' ') + 1));
                    case "-D" -> {
                        if (!rules.remove(parts[2])) {
                            throw new IllegalStateException("iptables-restore: no such rule: " + line);
                        }
                    }
                    case "-F" -> rules.clear();
                    case "-X" -> {
                        String target = chain;
                        if (work.values().stream().flatMap(List::stream).anyMatch(r -> r.endsWith("-j " + target))) {
                            throw new IllegalStateException("iptables-restore: chain " + chain + " is referenced");
                        }
                        work.remove(chain);
                    }
                    default -> throw new IllegalStateException("fake iptables-restore cannot run: " + line);
                }
            }
        }
    }

    private static Map<String, List<String>> chains(String... names) {
        Map<String, List<String>> chains = new LinkedHashMap<>();
        for (String name : names) {
            chains.put(name, new ArrayList<>());
        }
        return chains;
    }

    private static Map<String, List<String>> deepCopy(Map<String, List<String>> chains) {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        chains.forEach((k, v) -> copy.put(k, new ArrayList<>(v)));
        return copy;
    }
}
