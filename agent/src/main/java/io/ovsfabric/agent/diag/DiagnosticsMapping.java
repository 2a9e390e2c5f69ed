package io.ovsfabric.agent.diag;

import io.ovsfabric.proto.v1.TraceResponse;
import io.ovsfabric.proto.v1.TraceVerdict.Kind;

/** {@link HostTrace} to its proto message. Pure. */
final class DiagnosticsMapping {
    private DiagnosticsMapping() {}

    static TraceResponse toProto(HostTrace trace) {
        TraceResponse.Builder b = TraceResponse.newBuilder().setHostId(trace.host().value()).setBridge(trace.bridge())
                .setFlow(trace.flow()).setInPort(trace.inPort()).setInPortRole(trace.inPortRole())
                .setRawOutput(trace.raw());
        trace.steps().forEach(s -> b.addSteps(step(s)));
        TraceVerdict v = trace.verdict();
        io.ovsfabric.proto.v1.TraceVerdict.Builder verdict = io.ovsfabric.proto.v1.TraceVerdict.newBuilder()
                .setKind(switch (v.kind()) {
                    case TUNNEL -> Kind.TUNNEL;
                    case DELIVERED -> Kind.DELIVERED;
                    case DROPPED -> Kind.DROPPED;
                    case OTHER -> Kind.OTHER;
                })
                .setTunnelDst(v.tunnelDst()).setTunnelId(v.tunnelId())
                .setPeerHostId(trace.peer().map(io.ovsfabric.common.HostId::value).orElse(""))
                .setOutPort(v.outPort().isEmpty() ? "" : v.outPort() + (v.outPortNumber() >= 0 ? " (" + v.outPortNumber()
                        + ")" : ""))
                .setOutPortRole(trace.outPortRole()).setReason(v.reason());
        v.dropFlow().ifPresent(s -> verdict.setDropFlow(step(s)));
        return b.setVerdict(verdict).build();
    }

    private static io.ovsfabric.proto.v1.TraceStep step(TraceStep s) {
        return io.ovsfabric.proto.v1.TraceStep.newBuilder().setTable(s.table()).setPriority(Math.max(0, s.priority()))
                .setMatch(s.match()).setActions(String.join(",", s.actions())).setCookie(s.cookie())
                .setCategory(s.category().map(Enum::name).orElse("")).setMeaning(s.meaning()).build();
    }
}
