package io.ovsfabric.agent.plan;

import io.ovsfabric.agent.model.PeerHost;
import io.ovsfabric.agent.model.Topology;
import java.util.ArrayList;
import java.util.List;

/**
 * The integration bridge's flow table (and the underlay bridge's one flow). Three tables:
 * <pre>
 * table 0  classify:     in_port=veth -> table 10; in_port=tunnel,tun_id=KEY -> table 20; else drop
 * table 10 from local:   per peer: ip,nw_dst=PEER_SUBNET and arp,arp_tpa=PEER_SUBNET
 *                          -> tun_id=KEY, tun_dst=PEER_UNDERLAY, output tunnel; else drop
 * table 20 from tunnel:  ip,nw_dst=LOCAL_SUBNET and arp,arp_tpa=LOCAL_SUBNET -> output veth; else drop
 * </pre>
 * Nothing is flooded, traffic for a peer's subnet goes to that peer only, and table 20 has no way back into the
 * tunnel (split horizon), so the mesh is loop-free with any number of hosts.
 */
public final class FlowPlanner {
    /** OpenFlow port numbers, pinned with ofport_request so flows can be written before the ports exist. */
    public static final int VETH_PORT = 1;
    public static final int TUNNEL_PORT = 2;
    public static final int UNDERLAY_PORT = 1;

    public static final int TABLE_CLASSIFY = 0;
    public static final int TABLE_FROM_LOCAL = 10;
    public static final int TABLE_FROM_TUNNEL = 20;

    public static final int PRIORITY_CLASSIFY = 200;
    static final int PRIORITY_FORWARD = 100;
    public static final int PRIORITY_DROP = 0;

    private FlowPlanner() {}

    public static List<Flow> flows(Topology topology, PlanSettings settings) {
        String br = settings.names().integrationBridge();
        int round = settings.round();
        long key = topology.fabric().tunnelKey().value();
        long classify = new Cookie(FlowCategory.CLASSIFIER, round).value();
        long drop = new Cookie(FlowCategory.DEFAULT_DROP, round).value();
        long local = new Cookie(FlowCategory.LOCAL_DELIVERY, round).value();
        long peerCookie = new Cookie(FlowCategory.PEER_TUNNEL, round).value();

        List<Flow> flows = new ArrayList<>();
        flows.add(new Flow(br, TABLE_CLASSIFY, PRIORITY_CLASSIFY, Match.inPort(VETH_PORT),
                List.of(new FlowAction.GotoTable(TABLE_FROM_LOCAL)), classify));
        flows.add(new Flow(br, TABLE_CLASSIFY, PRIORITY_CLASSIFY, Match.inPort(TUNNEL_PORT).withTunnelId(key),
                List.of(new FlowAction.GotoTable(TABLE_FROM_TUNNEL)), classify));
        flows.add(new Flow(br, TABLE_CLASSIFY, PRIORITY_DROP, Match.any(), List.of(), drop));

        for (PeerHost peer : topology.peers()) {
            List<FlowAction> toPeer = List.of(new FlowAction.SetTunnelId(key),
                    new FlowAction.SetTunnelDst(peer.underlayIp()), new FlowAction.Output(TUNNEL_PORT));
            flows.add(new Flow(br, TABLE_FROM_LOCAL, PRIORITY_FORWARD, Match.ipTo(peer.subnet()), toPeer, peerCookie));
            flows.add(new Flow(br, TABLE_FROM_LOCAL, PRIORITY_FORWARD, Match.arpFor(peer.subnet()), toPeer, peerCookie));
        }
        flows.add(new Flow(br, TABLE_FROM_LOCAL, PRIORITY_DROP, Match.any(), List.of(), drop));

        List<FlowAction> toLocal = List.of(new FlowAction.Output(VETH_PORT));
        flows.add(new Flow(br, TABLE_FROM_TUNNEL, PRIORITY_FORWARD, Match.ipTo(topology.self().subnet()), toLocal, local));
        flows.add(new Flow(br, TABLE_FROM_TUNNEL, PRIORITY_FORWARD, Match.arpFor(topology.self().subnet()), toLocal, local));
        flows.add(new Flow(br, TABLE_FROM_TUNNEL, PRIORITY_DROP, Match.any(), List.of(), drop));

        if (settings.mode() == DatapathMode.NETDEV) {
            flows.add(new Flow(settings.names().underlayBridge(), TABLE_CLASSIFY, PRIORITY_DROP, Match.any(),
                    List.of(new FlowAction.Normal()), new Cookie(FlowCategory.UNDERLAY, round).value()));
        }
        return flows;
    }
}
