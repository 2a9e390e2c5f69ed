package io.ovsfabric.agent.diag;

import io.ovsfabric.common.HostId;
import java.util.List;
import java.util.Optional;

/**
 * One host's part of a trace: what went in (port and flow), the flows it met and how it ended.
 *
 * @param inPortRole  what the entry port is ("docker0 link", "endpoint of app-1 on appnet", "GRE tunnel ...")
 * @param outPortRole DELIVERED: what the exit port is, in the same words
 * @param peer        TUNNEL: the host holding the tunnel's destination address, when the topology knows it
 * @param raw         ofproto/trace's own output
 */
public record HostTrace(HostId host, String bridge, String flow, String inPort, String inPortRole,
        List<TraceStep> steps, TraceVerdict verdict, String outPortRole, Optional<HostId> peer, String raw) {
    public HostTrace {
        steps = List.copyOf(steps);
    }
}
