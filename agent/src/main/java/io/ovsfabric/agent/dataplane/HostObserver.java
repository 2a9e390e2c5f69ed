package io.ovsfabric.agent.dataplane;

import io.ovsfabric.agent.linux.HostNetwork;
import io.ovsfabric.agent.linux.PacketFilter;
import io.ovsfabric.agent.openflow.FlowTable;
import io.ovsfabric.agent.ovs.OvsDatabase;
import io.ovsfabric.agent.plan.DeviceNames;
import io.ovsfabric.agent.plan.Flow;
import io.ovsfabric.agent.plan.LinkState;
import io.ovsfabric.agent.plan.ObservedBridge;
import io.ovsfabric.agent.plan.ObservedHost;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads the host's current state through the seams, fresh on every pass (nothing is cached between passes). */
final class HostObserver {
    private final DeviceNames names;
    private final OvsDatabase ovsdb;
    private final FlowTable flowTable;
    private final HostNetwork host;
    private final PacketFilter filter;

    HostObserver(DeviceNames names, OvsDatabase ovsdb, FlowTable flowTable, HostNetwork host, PacketFilter filter) {
        this.names = names;
        this.ovsdb = ovsdb;
        this.flowTable = flowTable;
        this.host = host;
        this.filter = filter;
    }

    /** Everything; flows only from our own bridges (others are none of our business). */
    ObservedHost observe(boolean withFlows) {
        List<ObservedBridge> bridges = ovsdb.bridges();
        List<Flow> flows = new ArrayList<>();
        if (withFlows) {
            for (ObservedBridge bridge : bridges) {
                if (bridge.owned() && (bridge.name().equals(names.integrationBridge())
                        || bridge.name().equals(names.underlayBridge()))) {
                    flows.addAll(flowTable.ownedFlows(bridge.name()));
                }
            }
        }
        List<LinkState> links = host.links();
        Map<String, Boolean> txChecksum = new HashMap<>();
        for (LinkState link : links) {
            // ours and the endpoints' veths: the ones whose TX checksum offload the plan sets
            boolean asked = link.name().equals(names.vethDockerSide()) || link.name().equals(names.vethBridgeSide())
                    || (link.owned() && "veth".equals(link.kind()));
            if (asked) {
                host.txChecksum(link.name()).ifPresent(on -> txChecksum.put(link.name(), on));
            }
        }
        return new ObservedHost(bridges, flows, links, host.routes(), txChecksum, filter.observe());
    }
}
