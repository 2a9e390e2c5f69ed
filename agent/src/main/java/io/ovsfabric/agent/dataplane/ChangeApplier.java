package io.ovsfabric.agent.dataplane;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.linux.HostNetwork;
import io.ovsfabric.agent.metrics.AgentMetrics;
import io.ovsfabric.agent.linux.PacketFilter;
import io.ovsfabric.agent.openflow.FlowTable;
import io.ovsfabric.agent.ovs.OvsDatabase;
import io.ovsfabric.agent.plan.Change;
import io.ovsfabric.agent.plan.Flow;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies a plan's changes in order through the seams; one INFO line per applied change. */
final class ChangeApplier {
    private static final Logger LOG = LoggerFactory.getLogger(ChangeApplier.class);

    private final OvsDatabase ovsdb;
    private final FlowTable flowTable;
    private final HostNetwork host;
    private final PacketFilter filter;
    private volatile AgentMetrics metrics = AgentMetrics.none();

    ChangeApplier(OvsDatabase ovsdb, FlowTable flowTable, HostNetwork host, PacketFilter filter) {
        this.ovsdb = ovsdb;
        this.flowTable = flowTable;
        this.host = host;
        this.filter = filter;
    }

    void useMetrics(AgentMetrics metrics) {
        this.metrics = metrics;
    }

    /** Stops at the first failure; the next pass starts again from what it observes. */
    void apply(String label, List<Change> changes) {
        for (Change change : changes) {
            try {
                applyOne(change);
            } catch (AgentException e) {
                metrics.changeFailed(change);
                throw new AgentException(e.code(), label + ": " + change + " failed: " + e.getMessage(), e);
            }
            metrics.changeApplied(change);
            LOG.info("{}: {}", label, change);
            if (change instanceof Change.UpdateFlows flows && LOG.isDebugEnabled()) {
                flows.add().forEach(f -> LOG.debug("{}:   + {}", label, f));
                flows.modify().forEach(f -> LOG.debug("{}:   ~ {}", label, f));
                flows.delete().forEach(f -> LOG.debug("{}:   - {}", label, f));
            }
        }
    }

    private void applyOne(Change change) {
        if (change instanceof Change.EnsureBridge c) {
            ovsdb.ensureBridge(c.spec());
        } else if (change instanceof Change.DeleteBridge c) {
            ovsdb.deleteBridge(c.name());
        } else if (change instanceof Change.EnsurePort c) {
            ovsdb.ensurePort(c.bridge(), c.port());
        } else if (change instanceof Change.DeletePort c) {
            ovsdb.deletePort(c.bridge(), c.port());
        } else if (change instanceof Change.CreateBridgeLink c) {
            host.createBridge(c.name(), c.alias());
        } else if (change instanceof Change.CreateVethPair c) {
            host.createVethPair(c.name(), c.peer(), c.alias());
        } else if (change instanceof Change.DeleteLink c) {
            host.deleteLink(c.name());
        } else if (change instanceof Change.SetLink c) {
            host.setLink(c.name(), c.mtu(), c.up(), c.master(), c.alias());
        } else if (change instanceof Change.SetTxChecksum c) {
            host.setTxChecksum(c.link(), c.enabled());
        } else if (change instanceof Change.SetMacAddress c) {
            host.setMacAddress(c.link(), c.mac());
        } else if (change instanceof Change.SetArp c) {
            host.setArp(c.link(), c.enabled());
        } else if (change instanceof Change.AddAddress c) {
            host.addAddress(c.link(), c.address());
        } else if (change instanceof Change.DeleteAddress c) {
            host.deleteAddress(c.link(), c.address());
        } else if (change instanceof Change.AddRoute c) {
            host.addRoute(c.route());
        } else if (change instanceof Change.DeleteRoute c) {
            host.deleteRoute(c.route());
        } else if (change instanceof Change.UpdateFlows c) {
            List<Flow> upserts = new ArrayList<>(c.add());
            upserts.addAll(c.modify());
            flowTable.apply(c.bridge(), upserts, c.delete());
        } else if (change instanceof Change.SyncFilter c) {
            filter.restore(c.script());
        } else {
            throw new IllegalStateException("no way to apply " + change);
        }
    }
}
