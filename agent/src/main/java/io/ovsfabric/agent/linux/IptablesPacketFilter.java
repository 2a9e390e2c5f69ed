package io.ovsfabric.agent.linux;

import io.ovsfabric.agent.plan.FilterState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ArrayList;

/** {@link PacketFilter} over iptables-save and iptables-restore --noflush (whichever backend is installed). */
public final class IptablesPacketFilter implements PacketFilter {
    private final CommandRunner runner;

    public IptablesPacketFilter(CommandRunner runner) {
        this.runner = runner;
    }

    @Override
    public FilterState observe() {
        return parse(runner.check(Command.of("iptables-save")).stdout());
    }

    @Override
    public void restore(String script) {
        runner.check(Command.of("iptables-restore", "-w", "5", "--noflush").withStdin(script));
    }

    /** Parses iptables-save output: "*table", ":CHAIN POLICY [p:b]", "-A CHAIN rule", "COMMIT". */
    static FilterState parse(String text) {
        Map<String, Map<String, List<String>>> tables = new LinkedHashMap<>();
        Map<String, List<String>> table = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("*")) {
                table = new LinkedHashMap<>();
                tables.put(line.substring(1).trim(), table);
            } else if (table != null && line.startsWith(":")) {
                String chain = line.substring(1).split(" ", 2)[0];
                table.putIfAbsent(chain, new ArrayList<>());
            } else if (table != null && line.startsWith("-A ")) {
                String[] parts = line.substring(3).split(" ", 2);
                table.computeIfAbsent(parts[0], c -> new ArrayList<>()).add(parts.length > 1 ? parts[1] : "");
            }
        }
        Map<String, Map<String, List<String>>> frozen = new LinkedHashMap<>();
        tables.forEach((name, chains) -> {
            Map<String, List<String>> copy = new LinkedHashMap<>();
            chains.forEach((chain, rules) -> copy.put(chain, List.copyOf(rules)));
            frozen.put(name, copy);
        });
        return new FilterState(frozen);
    }
}
