package io.ovsfabric.agent.diag;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a traced packet ends on one bridge: sent into the tunnel (to which underlay address, with which key), out of
 * a local port, or dropped (by which flow and why).
 *
 * @param outPort   TUNNEL/DELIVERED: the port's name ("" when OVS did not say)
 * @param tunnelDst TUNNEL: the outer destination set by the flows ("" when none was set)
 * @param reason    DROPPED: why (the dropping flow's meaning); OTHER: the actions
 * @param dropFlow  DROPPED: the flow that dropped it
 */
public record TraceVerdict(Kind kind, String outPort, int outPortNumber, String tunnelDst, long tunnelId,
        String reason, Optional<TraceStep> dropFlow) {

    public enum Kind { TUNNEL, DELIVERED, DROPPED, OTHER }

    private static final Pattern OUTPUT = Pattern.compile("^output:\"?([^\"]+)\"?$");
    private static final Pattern SET_TUN_DST = Pattern.compile("^set_field:([0-9.]+)->tun_dst$");
    private static final Pattern SET_TUN_ID = Pattern.compile("^set_field:(0x[0-9a-fA-F]+|\\d+)->tun_id$");

    /**
     * The verdict of a bridge's steps: the last flow decides. Pure.
     *
     * @param ports      OpenFlow port numbers to names on that bridge
     * @param tunnelPort the name of the GRE port
     */
    public static TraceVerdict of(List<TraceStep> steps, Map<Integer, String> ports, String tunnelPort) {
        if (steps.isEmpty()) {
            return new TraceVerdict(Kind.DROPPED, "", -1, "", 0, "no flow matched at all (is the bridge empty?)",
                    Optional.empty());
        }
        String tunDst = "";
        long tunId = 0;
        for (TraceStep step : steps) {
            for (String action : step.actions()) {
                Matcher dst = SET_TUN_DST.matcher(action);
                Matcher id = SET_TUN_ID.matcher(action);
                if (dst.matches()) {
                    tunDst = dst.group(1);
                } else if (id.matches()) {
                    String v = id.group(1);
                    tunId = v.startsWith("0x") ? Long.parseUnsignedLong(v.substring(2), 16) : Long.parseLong(v);
                }
            }
        }
        TraceStep last = steps.get(steps.size() - 1);
        if (last.drops()) {
            String reason = last.priority() < 0 ? "no flow in table " + last.table() + " matched (table miss)"
                    : last.meaning();
            return new TraceVerdict(Kind.DROPPED, "", -1, "", 0, reason, Optional.of(last));
        }
        for (String action : last.actions()) {
            Matcher out = OUTPUT.matcher(action);
            if (!out.matches()) {
                continue;
            }
            String port = out.group(1);
            int number = -1;
            if (port.chars().allMatch(Character::isDigit)) {
                number = Integer.parseInt(port);
                port = ports.getOrDefault(number, port);
            } else {
                String name = port;
                number = ports.entrySet().stream().filter(e -> e.getValue().equals(name)).map(Map.Entry::getKey)
                        .findFirst().orElse(-1);
            }
            if (port.equals(tunnelPort)) {
                return new TraceVerdict(Kind.TUNNEL, port, number, tunDst, tunId, "", Optional.empty());
            }
            return new TraceVerdict(Kind.DELIVERED, port, number, "", 0, "", Optional.empty());
        }
        return new TraceVerdict(Kind.OTHER, "", -1, "", 0, "the last flow's actions are "
                + String.join(",", last.actions()), Optional.empty());
    }
}
