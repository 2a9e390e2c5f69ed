package io.ovsfabric.agent.openflow;

import io.netty.channel.EventLoopGroup;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.plan.Flow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.projectfloodlight.openflow.protocol.OFErrorMsg;
import org.projectfloodlight.openflow.protocol.OFFlowStatsEntry;
import org.projectfloodlight.openflow.protocol.OFFlowStatsReply;
import org.projectfloodlight.openflow.protocol.OFMessage;

/**
 * {@link FlowTable} over OpenFlow 1.3 sessions with each bridge's management socket in the OVS run dir. Sessions
 * open on first use and reopen after a failure; a session the switch ended is reported to the listener given at
 * construction (a restarted vswitchd has lost every flow).
 */
public final class OpenFlowFlowTable implements FlowTable {
    private static final long POLL_MILLIS = 20;

    private final Path rundir;
    private final EventLoopGroup group;
    private final Duration timeout;
    private final Runnable sessionLost;
    private final Map<String, OpenFlowConnection> sessions = new HashMap<>();

    public OpenFlowFlowTable(Path rundir, EventLoopGroup group, Duration timeout) {
        this(rundir, group, timeout, () -> {});
    }

    /** @param sessionLost run on an I/O thread when the switch ends an open session (not when this table closes it) */
    public OpenFlowFlowTable(Path rundir, EventLoopGroup group, Duration timeout, Runnable sessionLost) {
        this.rundir = rundir;
        this.group = group;
        this.timeout = timeout;
        this.sessionLost = sessionLost;
    }

    @Override
    public synchronized List<Flow> ownedFlows(String bridge) {
        OpenFlowConnection session = session(bridge);
        List<Flow> flows = new ArrayList<>();
        for (OFMessage reply : session.request(FlowMessages.ownedFlowsRequest(session.nextXid()), "dump flows of " + bridge)) {
            for (OFFlowStatsEntry entry : ((OFFlowStatsReply) reply).getEntries()) {
                try {
                    flows.add(FlowMessages.flow(bridge, entry));
                } catch (IllegalArgumentException e) {
                    throw new AgentException(bridge + " has a flow with the ovsfabric cookie 0x"
                            + Long.toHexString(entry.getCookie().getValue()) + " that ovsfabric did not write ("
                            + e.getMessage() + "): delete it with ovs-ofctl del-flows " + bridge + " cookie=0x"
                            + Long.toHexString(entry.getCookie().getValue()) + "/-1", e);
                }
            }
        }
        return flows;
    }

    @Override
    public synchronized void apply(String bridge, List<Flow> addOrReplace, List<Flow> delete) {
        OpenFlowConnection session = session(bridge);
        Map<Long, Flow> sent = new HashMap<>();
        for (Flow flow : addOrReplace) {
            long xid = session.nextXid();
            sent.put(xid, flow);
            session.send(FlowMessages.add(flow, xid));
        }
        for (Flow flow : delete) {
            long xid = session.nextXid();
            sent.put(xid, flow);
            session.send(FlowMessages.deleteStrict(flow, xid));
        }
        Map<Long, OFErrorMsg> errors = session.barrier("flow batch on " + bridge);
        if (!errors.isEmpty()) {
            StringBuilder message = new StringBuilder(bridge + " refused " + errors.size() + " flow change(s):");
            errors.forEach((xid, error) -> message.append("\n  ").append(sent.getOrDefault(xid, null)).append(": ")
                    .append(error));
            throw new AgentException(message.toString());
        }
    }

    @Override
    public synchronized void deleteOwned(String bridge) {
        OpenFlowConnection session = session(bridge);
        session.send(FlowMessages.deleteOwned(session.nextXid()));
        Map<Long, OFErrorMsg> errors = session.barrier("delete ovsfabric flows on " + bridge);
        if (!errors.isEmpty()) {
            throw new AgentException(bridge + " refused to delete ovsfabric flows: " + errors.values());
        }
    }

    @Override
    public synchronized void close() {
        sessions.values().forEach(OpenFlowConnection::close);
        sessions.clear();
    }

    private OpenFlowConnection session(String bridge) {
        OpenFlowConnection session = sessions.get(bridge);
        if (session != null && session.isOpen()) {
            return session;
        }
        if (session != null) {
            session.close();
        }
        session = OpenFlowConnection.open(bridge, waitForSocket(bridge), group, timeout, sessionLost);
        sessions.put(bridge, session);
        return session;
    }

    /** vswitchd creates the socket shortly after the bridge appears in OVSDB. */
    private Path waitForSocket(String bridge) {
        Path socket = rundir.resolve(bridge + ".mgmt");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(socket)) {
            if (System.nanoTime() > deadline) {
                throw new AgentException("no OpenFlow management socket " + socket + " for bridge " + bridge
                        + " after " + timeout.toSeconds() + "s: does the bridge exist, and is --ovs-rundir the run dir"
                        + " of ovs-vswitchd?");
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AgentException("interrupted while waiting for " + socket, e);
            }
        }
        return socket;
    }
}
