package io.ovsfabric.agent.plan;

import io.ovsfabric.agent.model.PeerHost;
import io.ovsfabric.agent.model.Topology;
import io.ovsfabric.common.Cidr;
import java.util.ArrayList;
import java.util.List;

/**
 * The integration bridge's flow table (and the underlay bridge's one flow). Four tables:
 * <pre>
 * table 0  admission:    in_port=veth,ip,nw_src=LOCAL_SUBNET and in_port=veth,arp,arp_spa=LOCAL_SUBNET -> table 10;
 *                        in_port=veth,ip / in_port=veth,arp (any other source) -> drop (spoofing);
 *                        in_port=tunnel,tun_src=PEER_UNDERLAY (one per peer) -> table 5;
 *                        in_port=tunnel (any other sender) -> drop (foreign GRE); else drop
 * table 5  tunnel key:   in_port=tunnel,tun_id=KEY -> table 20 (user networks add their keys); else drop
 * table 10 from local:   per peer: ip,nw_dst=PEER_SUBNET and arp,arp_tpa=PEER_SUBNET
 *                          -> tun_id=KEY, tun_dst=PEER_UNDERLAY, output tunnel; else drop
 * table 20 from tunnel:  ip,nw_dst=LOCAL_SUBNET and arp,arp_tpa=LOCAL_SUBNET -> output veth; else drop
 * </pre>
 * Nothing is flooded, traffic for a peer's subnet goes to that peer only, and table 20 has no way back into the
 * tunnel (split horizon), so the mesh is loop-free with any number of hosts. Only the fabric's hosts get in through
 * the tunnel, and only the host's subnet gets out of docker0. With icc off ({@link PlanSettings#icc()}) the
 * per-peer and delivery flows drop instead (cookie category {@link FlowCategory#ICC_DROP}): docker0's containers
 * do not reach each other across hosts, as Docker's {@code --icc=false} keeps them apart on one host; the hosts
 * themselves still reach each other between their docker0 gateway addresses (IP and ARP, one pair of flows each way
 * per peer above the drops, cookie category {@link FlowCategory#GATEWAY_TO_GATEWAY}: tunnel health probes).
 */
public final class FlowPlanner {
    /** OpenFlow port numbers, pinned with ofport_request so flows can be written before the ports exist. */
    public static final int VETH_PORT = 1;
    public static final int TUNNEL_PORT = 2;
    public static final int UNDERLAY_PORT = 1;

    public static final int TABLE_CLASSIFY = 0;
    public static final int TABLE_TUNNEL_KEY = 5;
    public static final int TABLE_FROM_LOCAL = 10;
    public static final int TABLE_FROM_TUNNEL = 20;

    public static final int PRIORITY_CLASSIFY = 200;
    /** Below the classifiers of a port: what a port sends that no classifier admitted (spoofing, foreign GRE). */
    public static final int PRIORITY_GUARD = 190;
    static final int PRIORITY_FORWARD = 100;
    /** With icc off: host-to-host traffic between docker0 gateway addresses, above the icc drops. */
    static final int PRIORITY_GATEWAYS = 110;
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
        long admit = new Cookie(FlowCategory.TUNNEL_ADMISSION, round).value();
        long foreign = new Cookie(FlowCategory.FOREIGN_TUNNEL_DROP, round).value();
        long spoof = new Cookie(FlowCategory.SPOOF_DROP, round).value();
        long icc = new Cookie(FlowCategory.ICC_DROP, round).value();
        long gateways = new Cookie(FlowCategory.GATEWAY_TO_GATEWAY, round).value();
        Cidr selfGateway = new Cidr(topology.self().gateway(), 32);

        List<Flow> flows = new ArrayList<>();
        List<FlowAction> toLocalTable = List.of(new FlowAction.GotoTable(TABLE_FROM_LOCAL));
        flows.add(new Flow(br, TABLE_CLASSIFY, PRIORITY_CLASSIFY,
                Match.ipFrom(topology.self().subnet()).withInPort(VETH_PORT), toLocalTable, classify));
        flows.add(new Flow(br, TABLE_CLASSIFY, PRIORITY_CLASSIFY,
                Match.arpFrom(topology.self().subnet()).withInPort(VETH_PORT), toLocalTable, classify));
        flows.addAll(spoofGuard(br, VETH_PORT, spoof));
        for (PeerHost peer : topology.peers()) {
            flows.add(new Flow(br, TABLE_CLASSIFY, PRIORITY_CLASSIFY,
                    Match.inPort(TUNNEL_PORT).withTunnelSrc(peer.underlayIp()),
                    List.of(new FlowAction.GotoTable(TABLE_TUNNEL_KEY)), admit));
        }
        flows.add(new Flow(br, TABLE_CLASSIFY, PRIORITY_GUARD, Match.inPort(TUNNEL_PORT), List.of(), foreign));
        flows.add(new Flow(br, TABLE_CLASSIFY, PRIORITY_DROP, Match.any(), List.of(), drop));

        flows.add(new Flow(br, TABLE_TUNNEL_KEY, PRIORITY_CLASSIFY, Match.inPort(TUNNEL_PORT).withTunnelId(key),
                List.of(new FlowAction.GotoTable(TABLE_FROM_TUNNEL)), classify));
        flows.add(new Flow(br, TABLE_TUNNEL_KEY, PRIORITY_DROP, Match.any(), List.of(), drop));

        for (PeerHost peer : topology.peers()) {
            List<FlowAction> toPeer = settings.icc() ? List.of(new FlowAction.SetTunnelId(key),
                    new FlowAction.SetTunnelDst(peer.underlayIp()), new FlowAction.Output(TUNNEL_PORT)) : List.of();
            long cookie = settings.icc() ? peerCookie : icc;
            flows.add(new Flow(br, TABLE_FROM_LOCAL, PRIORITY_FORWARD, Match.ipTo(peer.subnet()), toPeer, cookie));
            flows.add(new Flow(br, TABLE_FROM_LOCAL, PRIORITY_FORWARD, Match.arpFor(peer.subnet()), toPeer, cookie));
            if (!settings.icc()) {
                Cidr peerGateway = new Cidr(peer.subnet().firstUsable(), 32);
                List<FlowAction> toPeerHost = List.of(new FlowAction.SetTunnelId(key),
                        new FlowAction.SetTunnelDst(peer.underlayIp()), new FlowAction.Output(TUNNEL_PORT));
                List<FlowAction> toSelf = List.of(new FlowAction.Output(VETH_PORT));
                flows.add(new Flow(br, TABLE_FROM_LOCAL, PRIORITY_GATEWAYS, Match.ipBetween(selfGateway, peerGateway),
                        toPeerHost, gateways));
                flows.add(new Flow(br, TABLE_FROM_LOCAL, PRIORITY_GATEWAYS, Match.arpBetween(selfGateway, peerGateway),
                        toPeerHost, gateways));
                flows.add(new Flow(br, TABLE_FROM_TUNNEL, PRIORITY_GATEWAYS, Match.ipBetween(peerGateway, selfGateway),
                        toSelf, gateways));
                flows.add(new Flow(br, TABLE_FROM_TUNNEL, PRIORITY_GATEWAYS, Match.arpBetween(peerGateway, selfGateway),
                        toSelf, gateways));
            }
        }
        flows.add(new Flow(br, TABLE_FROM_LOCAL, PRIORITY_DROP, Match.any(), List.of(), drop));

        List<FlowAction> toLocal = settings.icc() ? List.of(new FlowAction.Output(VETH_PORT)) : List.of();
        long delivery = settings.icc() ? local : icc;
        flows.add(new Flow(br, TABLE_FROM_TUNNEL, PRIORITY_FORWARD, Match.ipTo(topology.self().subnet()), toLocal,
                delivery));
        flows.add(new Flow(br, TABLE_FROM_TUNNEL, PRIORITY_FORWARD, Match.arpFor(topology.self().subnet()), toLocal,
                delivery));
        flows.add(new Flow(br, TABLE_FROM_TUNNEL, PRIORITY_DROP, Match.any(), List.of(), drop));

        if (settings.mode() == DatapathMode.NETDEV) {
            flows.add(new Flow(settings.names().underlayBridge(), TABLE_CLASSIFY, PRIORITY_DROP, Match.any(),
                    List.of(new FlowAction.Normal()), new Cookie(FlowCategory.UNDERLAY, round).value()));
        }
        return flows;
    }

    /** IPv4 and ARP from {@code port} that its classifiers did not admit: dropped under the spoofing cookie. */
    static List<Flow> spoofGuard(String bridge, int port, long cookie) {
        return List.of(new Flow(bridge, TABLE_CLASSIFY, PRIORITY_GUARD, Match.ip().withInPort(port), List.of(), cookie),
                new Flow(bridge, TABLE_CLASSIFY, PRIORITY_GUARD, Match.arp().withInPort(port), List.of(), cookie));
    }
}
