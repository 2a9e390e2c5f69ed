package io.ovsfabric.agent.diag;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code ovs-appctl ofproto/trace BRIDGE FLOW} printed (OVS 3.x), read back: the flows the packet matched on
 * each bridge, in order, and the datapath actions. Pure text parsing; unknown lines are skipped, so a newer OVS
 * adding notes does not break it.
 *
 * <pre>
 * Flow: icmp,in_port=1,...
 *
 * bridge("br0")
 * -------------
 *  0. in_port=1, priority 200, cookie 0xfab010001000000
 *     goto_table:10
 * 10. ip,nw_dst=10.200.2.0/24, priority 100, cookie 0xfab030001000000
 *     set_field:0x1->tun_id
 *     output:2
 *      -> output to native tunnel
 * ...
 * Datapath actions: tnl_push(...),4
 * </pre>
 *
 * @param flow     the "Flow:" line: the packet as OVS understood it
 * @param bridges  the steps per bridge, in the order OVS printed them (br0 first, then br-phy for a tunnel)
 * @param datapath the "Datapath actions:" line ("drop", a port number, tnl_push(...) ...)
 */
public record OfprotoTrace(String flow, List<Bridge> bridges, String datapath) {
    private static final Pattern BRIDGE = Pattern.compile("^bridge\\(\"([^\"]+)\"\\)$");
    private static final Pattern STEP = Pattern.compile(
            "^\\s*(\\d+)\\. (?:(.*), )?priority (\\d+)(?:, cookie (0x[0-9a-fA-F]+))?$");
    private static final Pattern NO_MATCH = Pattern.compile("^\\s*(\\d+)\\. No match\\.?.*$");

    /** The flows one bridge matched; {@code notes} are OVS's "-> ..." remarks under them. */
    public record Bridge(String name, List<TraceStep> steps, List<String> notes) {
        public Bridge {
            steps = List.copyOf(steps);
            notes = List.copyOf(notes);
        }
    }

    public OfprotoTrace {
        bridges = List.copyOf(bridges);
    }

    /** The steps on that bridge (empty when the packet never reached it). */
    public List<TraceStep> steps(String bridge) {
        return bridges.stream().filter(b -> b.name().equals(bridge)).findFirst().map(Bridge::steps).orElse(List.of());
    }

    public Optional<Bridge> bridge(String name) {
        return bridges.stream().filter(b -> b.name().equals(name)).findFirst();
    }

    /**
     * Parses ofproto/trace's output.
     *
     * @throws IllegalArgumentException when the text holds no "Flow:" line or no bridge: not ofproto/trace output
     */
    public static OfprotoTrace parse(String text) {
        String flow = null;
        String datapath = "";
        List<Bridge> bridges = new ArrayList<>();
        String bridge = null;
        List<TraceStep> steps = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        // the step being read: its header, then its action lines
        Integer table = null;
        int priority = 0;
        String match = "";
        long cookie = 0;
        List<String> actions = new ArrayList<>();
        for (String raw : text.split("\n", -1)) {
            String line = raw.stripTrailing();
            String trimmed = line.strip();
            if (line.startsWith("Flow: ") && flow == null) {
                flow = line.substring("Flow: ".length()).strip();
                continue;
            }
            Matcher b = BRIDGE.matcher(line);
            boolean sectionEnd = b.matches() || line.startsWith("Final flow:") || line.startsWith("Megaflow:")
                    || line.startsWith("Datapath actions:");
            if (sectionEnd) {
                if (table != null) {
                    steps.add(new TraceStep(table, priority, match, actions, cookie));
                    table = null;
                }
                if (bridge != null) {
                    bridges.add(new Bridge(bridge, steps, notes));
                    bridge = null;
                }
                steps = new ArrayList<>();
                notes = new ArrayList<>();
                if (b.matches()) {
                    bridge = b.group(1);
                } else if (line.startsWith("Datapath actions:")) {
                    datapath = line.substring("Datapath actions:".length()).strip();
                }
                continue;
            }
            if (bridge == null || trimmed.isEmpty() || trimmed.chars().allMatch(c -> c == '-')) {
                continue;
            }
            Matcher s = STEP.matcher(line);
            Matcher none = NO_MATCH.matcher(line);
            if (s.matches() || none.matches()) {
                if (table != null) {
                    steps.add(new TraceStep(table, priority, match, actions, cookie));
                }
                actions = new ArrayList<>();
                if (s.matches()) {
                    table = Integer.parseInt(s.group(1));
                    match = s.group(2) == null ? "" : s.group(2);
                    priority = Integer.parseInt(s.group(3));
                    cookie = s.group(4) == null ? 0 : Long.parseUnsignedLong(s.group(4).substring(2), 16);
                } else {
                    // OpenFlow 1.3 table miss: the packet is dropped without any flow
                    table = Integer.parseInt(none.group(1));
                    match = "(no flow matched)";
                    priority = -1;
                    cookie = 0;
                }
                continue;
            }
            if (trimmed.startsWith("->") || trimmed.startsWith(">>")) {
                notes.add(trimmed);
            } else if (table != null) {
                actions.add(trimmed);
            }
        }
        if (table != null) {
            steps.add(new TraceStep(table, priority, match, actions, cookie));
        }
        if (bridge != null) {
            bridges.add(new Bridge(bridge, steps, notes));
        }
        if (flow == null || bridges.isEmpty()) {
            throw new IllegalArgumentException("not ofproto/trace output (no 'Flow:' line or no bridge section): "
                    + (text.length() > 200 ? text.substring(0, 200) + "..." : text));
        }
        return new OfprotoTrace(flow, bridges, datapath);
    }
}
