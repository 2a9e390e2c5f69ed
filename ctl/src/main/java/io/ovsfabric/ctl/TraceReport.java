package io.ovsfabric.ctl;

import io.ovsfabric.proto.v1.TraceResponse;
import io.ovsfabric.proto.v1.TraceStep;
import io.ovsfabric.proto.v1.TraceVerdict;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A stitched trace as text or JSON. Pure formatting. */
final class TraceReport {
    private TraceReport() {}

    record StepJson(int table, int priority, String match, String actions, String cookie, String category,
            String meaning) {}

    record VerdictJson(String kind, String outPort, String outPortRole, String tunnelDst, String tunnelId,
            String peerHost, String reason, StepJson dropFlow) {}

    record HopJson(String host, String bridge, String flow, String inPort, String inPortRole, List<StepJson> steps,
            VerdictJson verdict) {}

    record EndJson(String given, String address, String host, String network, String container) {}

    record PathJson(EndJson from, EndJson to, String protocol, Integer dport, List<HopJson> hops, String result,
            String resultHost, String reason, String summary) {}

    static void text(PrintWriter out, TraceWalk.Path path) {
        out.println("trace " + path.protocol() + (path.dport() > 0 ? " port " + path.dport() : "") + " from "
                + path.from().describe() + " to " + path.to().describe());
        for (TraceResponse hop : path.hops()) {
            out.println();
            out.println("host " + hop.getHostId() + "  bridge " + hop.getBridge() + "  in: " + hop.getInPort() + " ("
                    + hop.getInPortRole() + ")");
            for (TraceStep s : hop.getStepsList()) {
                out.println(String.format("  table %-3d priority %-4d %s", s.getTable(), s.getPriority(),
                        s.getMatch().isEmpty() ? "(any)" : s.getMatch()));
                out.println(String.format("            cookie 0x%x %s: %s", s.getCookie(),
                        s.getCategory().isEmpty() ? "?" : s.getCategory(), s.getMeaning()));
                out.println("            actions " + (s.getActions().isEmpty() ? "drop" : s.getActions()));
            }
            out.println("  => " + verdict(hop.getVerdict()));
        }
        out.println();
        out.println("result: " + result(path));
    }

    /** The one-line outcome, e.g. {@code DROPPED on host h1: different network ... (appnet -> othernet)}. */
    static String result(TraceWalk.Path path) {
        String where = " on host " + path.outcomeHost();
        return switch (path.outcome()) {
            case DELIVERED -> "DELIVERED" + where + " to " + (path.outcomeHost().equals(path.to().host().getHostId())
                    ? path.to().describe() + " through " : "a host that does not hold " + path.to().describe()
                    + "! through ") + "port " + path.hops().get(path.hops().size() - 1).getVerdict().getOutPort()
                    + hosts(path);
            case DROPPED -> "DROPPED" + where + ": " + path.reason() + (path.from().networkName()
                    .equals(path.to().networkName()) ? "" : " (" + path.from().networkName() + " -> "
                    + path.to().networkName() + ")");
            case LOST -> "NOT DELIVERED" + where + ": " + path.reason();
        };
    }

    private static String hosts(TraceWalk.Path path) {
        List<String> ids = path.hops().stream().map(TraceResponse::getHostId).toList();
        return " (path " + String.join(" -> GRE -> ", ids) + ")";
    }

    static String verdict(TraceVerdict v) {
        return switch (v.getKind()) {
            case TUNNEL -> "GRE tunnel " + v.getOutPort() + ", key 0x" + Long.toHexString(v.getTunnelId()) + ", to "
                    + v.getTunnelDst() + (v.getPeerHostId().isEmpty() ? " (no known host)" : " (host "
                    + v.getPeerHostId() + ")");
            case DELIVERED -> "delivered to " + v.getOutPort() + (v.getOutPortRole().isEmpty() ? ""
                    : ": " + v.getOutPortRole());
            case DROPPED -> "DROPPED" + (v.hasDropFlow() ? " by table " + v.getDropFlow().getTable() + " priority "
                    + v.getDropFlow().getPriority() + " " + (v.getDropFlow().getMatch().isEmpty() ? "(any)"
                    : v.getDropFlow().getMatch()) + String.format(" cookie 0x%x", v.getDropFlow().getCookie()) : "")
                    + ": " + v.getReason();
            default -> "not delivered by br0: " + v.getReason();
        };
    }

    static void json(PrintWriter out, TraceWalk.Path path) {
        List<HopJson> hops = new ArrayList<>();
        for (TraceResponse hop : path.hops()) {
            TraceVerdict v = hop.getVerdict();
            hops.add(new HopJson(hop.getHostId(), hop.getBridge(), hop.getFlow(), hop.getInPort(), hop.getInPortRole(),
                    hop.getStepsList().stream().map(TraceReport::step).toList(),
                    new VerdictJson(v.getKind().name(), v.getOutPort(), v.getOutPortRole(), v.getTunnelDst(),
                            v.getKind() == TraceVerdict.Kind.TUNNEL ? "0x" + Long.toHexString(v.getTunnelId()) : "",
                            v.getPeerHostId(), v.getReason(), v.hasDropFlow() ? step(v.getDropFlow()) : null)));
        }
        Output.json(out, new PathJson(end(path.from()), end(path.to()), path.protocol(),
                path.dport() > 0 ? path.dport() : null, hops, path.outcome().name(), path.outcomeHost(),
                path.reason(), result(path)));
    }

    private static StepJson step(TraceStep s) {
        return new StepJson(s.getTable(), s.getPriority(), s.getMatch(), s.getActions(),
                String.format("0x%x", s.getCookie()), s.getCategory(), s.getMeaning());
    }

    private static EndJson end(TraceTargets.Target t) {
        return new EndJson(t.given(), t.address().toString(), t.host().getHostId(), t.networkName(), t.container());
    }
}
