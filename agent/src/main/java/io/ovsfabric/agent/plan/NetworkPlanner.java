package io.ovsfabric.agent.plan;

import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.model.PeerHost;
import io.ovsfabric.agent.model.Topology;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * User-defined networks on the integration bridge. Each network is isolated by its own GRE key, carried inside the
 * bridge in the metadata register, and has a gateway port of its own on every host (an OVS internal port holding the
 * network's gateway address: the route to the host's DNS server and the outside).
 * <pre>
 * table 0  in_port=ENDPOINT,ip,nw_src=ITS_ADDRESS and
 *          in_port=ENDPOINT,arp,arp_spa=ITS_ADDRESS -> metadata=KEY(N), table 30
 *          in_port=ENDPOINT,ip / arp (other source) -> drop (spoofing, cookie category SPOOF_DROP)
 *          in_port=GATEWAY of N                   -> metadata=KEY(N), table 30 (the host routes any source in)
 * table 5  in_port=tunnel,tun_id=KEY(N)           -> metadata=KEY(N), table 40 (only a fabric host's GRE gets
 *                                                    to table 5, see FlowPlanner)
 * table 30 from N's local ports, metadata=KEY(N):
 *          ip/arp to a local endpoint of N        -> output its port
 *          ip/arp to N's gateway address          -> output N's gateway port
 *          ip/arp to a remote endpoint of N       -> tun_id=KEY(N), tun_dst=its host, output tunnel
 *          other ip inside N's subnet             -> drop
 *          ip to the host's docker0 address       -> output N's gateway port (the host's DNS server is there)
 *          ip to another network's subnet or to   -> drop (NETWORK_ISOLATION: "different network"; the host's
 *            the fabric CIDR (docker0's network)        FORWARD rules would drop it too, this says why exactly)
 *          other ip                               -> output N's gateway port (the host routes it)
 *          else drop
 * table 40 from the tunnel with N's key:
 *          ip/arp to a local endpoint of N        -> output its port; else drop
 * </pre>
 * Nothing is flooded (ARP goes to the one port or host holding the target address), table 40 never leads back into
 * the tunnel (split horizon), and no flow moves a packet from one network's metadata to another's. Endpoint ports are
 * known by what the plugin tagged on them ({@link EndpointPort}); their addresses come from the topology.
 */
public final class NetworkPlanner {
    public static final int TABLE_NET_FROM_LOCAL = 30;
    public static final int TABLE_NET_FROM_TUNNEL = 40;
    /** Gateway ports get OpenFlow port GATEWAY_PORT_BASE + (key mod GATEWAY_PORT_SPAN), far above endpoint ports. */
    static final int GATEWAY_PORT_BASE = 0x8000;
    static final int GATEWAY_PORT_SPAN = 0x7000;
    /** Gateway port names start with this; the host's FORWARD rules keep traffic between them out. */
    public static final String GATEWAY_PREFIX = "ofxg";

    static final int PRIORITY_HOST = 100;
    static final int PRIORITY_SUBNET_DROP = 50;
    static final int PRIORITY_TO_GATEWAY = 10;

    private NetworkPlanner() {}

    /** The networks this host forwards: all of them, except one reusing the default network's key. */
    static List<OverlayNetwork> networks(Topology topology) {
        return topology.networks().stream().filter(n -> !n.tunnelKey().equals(topology.fabric().tunnelKey())).toList();
    }

    /** Linux name of a network's gateway port: "ofxg" + the first 11 letters/digits of the network id. */
    public static String gatewayPort(OverlayNetwork network) {
        String id = network.id().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        return GATEWAY_PREFIX + id.substring(0, Math.min(11, id.length()));
    }

    static int gatewayOfport(OverlayNetwork network) {
        return GATEWAY_PORT_BASE + (int) (network.tunnelKey().value() % GATEWAY_PORT_SPAN);
    }

    static List<PortSpec> gatewayPorts(Topology topology, Map<String, String> marks, int mtu) {
        return networks(topology).stream().map(n -> new PortSpec(gatewayPort(n), "internal", Map.of(),
                gatewayOfport(n), mtu, marks)).toList();
    }

    static List<LinkSpec> gatewayLinks(Topology topology, int mtu) {
        return networks(topology).stream().map(n -> new LinkSpec(gatewayPort(n), LinkSpec.Kind.EXISTING, null, null,
                mtu, false, List.of(new InterfaceAddress(n.gateway(), n.subnet().prefixLength())), null, null)).toList();
    }

    public static List<Flow> flows(Topology topology, List<EndpointPort> ports, PlanSettings settings) {
        String br = settings.names().integrationBridge();
        int round = settings.round();
        long classify = new Cookie(FlowCategory.CLASSIFIER, round).value();
        long drop = new Cookie(FlowCategory.DEFAULT_DROP, round).value();
        long local = new Cookie(FlowCategory.LOCAL_DELIVERY, round).value();
        long tunnel = new Cookie(FlowCategory.PEER_TUNNEL, round).value();
        long gateway = new Cookie(FlowCategory.NETWORK_GATEWAY, round).value();
        long spoof = new Cookie(FlowCategory.SPOOF_DROP, round).value();
        long isolation = new Cookie(FlowCategory.NETWORK_ISOLATION, round).value();
        HostId self = topology.self().id();
        Map<HostId, PeerHost> peers = topology.peers().stream()
                .collect(Collectors.toMap(PeerHost::id, Function.identity()));

        Map<Flow.Key, Flow> flows = new LinkedHashMap<>();
        for (OverlayNetwork network : networks(topology)) {
            long key = network.tunnelKey().value();
            int gw = gatewayOfport(network);
            List<NetworkEndpoint> endpoints = topology.endpoints().stream()
                    .filter(e -> e.networkId().equals(network.id())).toList();
            List<FlowAction> toLocalTable = List.of(new FlowAction.WriteMetadata(key),
                    new FlowAction.GotoTable(TABLE_NET_FROM_LOCAL));
            add(flows, new Flow(br, FlowPlanner.TABLE_CLASSIFY, FlowPlanner.PRIORITY_CLASSIFY, Match.inPort(gw),
                    toLocalTable, classify));
            add(flows, new Flow(br, FlowPlanner.TABLE_TUNNEL_KEY, FlowPlanner.PRIORITY_CLASSIFY,
                    Match.inPort(FlowPlanner.TUNNEL_PORT).withTunnelId(key), List.of(new FlowAction.WriteMetadata(key),
                    new FlowAction.GotoTable(TABLE_NET_FROM_TUNNEL)), classify));

            Cidr gwAddress = new Cidr(network.gateway(), 32);
            List<FlowAction> toGateway = List.of(new FlowAction.Output(gw));
            addPair(flows, br, TABLE_NET_FROM_LOCAL, key, gwAddress, toGateway, gateway);
            for (EndpointPort port : ports) {
                if (!port.networkId().equals(network.id())) {
                    continue;
                }
                Optional<NetworkEndpoint> endpoint = resolve(port, endpoints, self);
                if (endpoint.isEmpty()) {
                    continue; // not in the topology yet (or any more): its traffic hits the default drop
                }
                Cidr address = new Cidr(endpoint.get().address(), 32);
                // only its own address gets in (IP source, ARP sender); anything else it sends is spoofed
                add(flows, new Flow(br, FlowPlanner.TABLE_CLASSIFY, FlowPlanner.PRIORITY_CLASSIFY,
                        Match.ipFrom(address).withInPort(port.ofport()), toLocalTable, classify));
                add(flows, new Flow(br, FlowPlanner.TABLE_CLASSIFY, FlowPlanner.PRIORITY_CLASSIFY,
                        Match.arpFrom(address).withInPort(port.ofport()), toLocalTable, classify));
                FlowPlanner.spoofGuard(br, port.ofport(), spoof).forEach(f -> add(flows, f));
                List<FlowAction> toPort = List.of(new FlowAction.Output(port.ofport()));
                addPair(flows, br, TABLE_NET_FROM_LOCAL, key, address, toPort, local);
                addPair(flows, br, TABLE_NET_FROM_TUNNEL, key, address, toPort, local);
            }
            for (NetworkEndpoint endpoint : endpoints) {
                PeerHost peer = peers.get(endpoint.host());
                if (peer == null) {
                    continue; // this host's own, or on a host that is down
                }
                addPair(flows, br, TABLE_NET_FROM_LOCAL, key, new Cidr(endpoint.address(), 32),
                        List.of(new FlowAction.SetTunnelId(key), new FlowAction.SetTunnelDst(peer.underlayIp()),
                                new FlowAction.Output(FlowPlanner.TUNNEL_PORT)), tunnel);
            }
            add(flows, new Flow(br, TABLE_NET_FROM_LOCAL, PRIORITY_SUBNET_DROP,
                    Match.ipTo(network.subnet()).withMetadata(key), List.of(), drop));
            // the host's own docker0 address stays reachable (its DNS server listens there); the rest of docker0's
            // network and the other networks are not
            add(flows, new Flow(br, TABLE_NET_FROM_LOCAL, PRIORITY_HOST,
                    Match.ipTo(new Cidr(topology.self().gateway(), 32)).withMetadata(key), toGateway, gateway));
            for (Cidr other : otherNetworks(topology, network)) {
                add(flows, new Flow(br, TABLE_NET_FROM_LOCAL, PRIORITY_SUBNET_DROP,
                        Match.ipTo(other).withMetadata(key), List.of(), isolation));
            }
            add(flows, new Flow(br, TABLE_NET_FROM_LOCAL, PRIORITY_TO_GATEWAY, Match.ip().withMetadata(key), toGateway,
                    gateway));
        }
        if (!flows.isEmpty()) {
            add(flows, new Flow(br, TABLE_NET_FROM_LOCAL, FlowPlanner.PRIORITY_DROP, Match.any(), List.of(), drop));
            add(flows, new Flow(br, TABLE_NET_FROM_TUNNEL, FlowPlanner.PRIORITY_DROP, Match.any(), List.of(), drop));
        }
        return List.copyOf(flows.values());
    }

    /** The subnets a packet of {@code network} must never reach: the other networks' and the fabric CIDR (docker0). */
    static List<Cidr> otherNetworks(Topology topology, OverlayNetwork network) {
        List<Cidr> others = new ArrayList<>();
        others.add(topology.fabric().fabricCidr());
        for (OverlayNetwork other : networks(topology)) {
            if (!other.id().equals(network.id()) && !others.contains(other.subnet())) {
                others.add(other.subnet());
            }
        }
        others.remove(network.subnet());
        return others;
    }

    /** The topology endpoint a port belongs to: by endpoint id, else by MAC; only this host's. */
    static Optional<NetworkEndpoint> resolve(EndpointPort port, List<NetworkEndpoint> endpoints, HostId self) {
        List<NetworkEndpoint> mine = endpoints.stream().filter(e -> e.host().equals(self)).toList();
        Optional<NetworkEndpoint> byId = mine.stream()
                .filter(e -> !port.endpointId().isEmpty() && e.endpointId().equals(port.endpointId())).findFirst();
        if (byId.isPresent()) {
            return byId;
        }
        return mine.stream().filter(e -> !port.mac().isEmpty() && e.mac().equalsIgnoreCase(port.mac())).findFirst();
    }

    private static void addPair(Map<Flow.Key, Flow> flows, String br, int table, long key, Cidr address,
            List<FlowAction> actions, long cookie) {
        add(flows, new Flow(br, table, PRIORITY_HOST, Match.ipTo(address).withMetadata(key), actions, cookie));
        add(flows, new Flow(br, table, PRIORITY_HOST, Match.arpFor(address).withMetadata(key), actions, cookie));
    }

    /** First flow for a key wins: two ports claiming one address must not make the plan ambiguous. */
    private static void add(Map<Flow.Key, Flow> flows, Flow flow) {
        flows.putIfAbsent(flow.key(), flow);
    }
}
