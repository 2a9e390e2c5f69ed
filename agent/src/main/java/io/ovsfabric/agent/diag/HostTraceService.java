package io.ovsfabric.agent.diag;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.model.AttachedPort;
import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.model.PeerHost;
import io.ovsfabric.agent.model.Topology;
import io.ovsfabric.agent.plan.DeviceNames;
import io.ovsfabric.agent.plan.NetworkPlanner;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Traces a packet on this host's integration bridge with OVS's own {@code ofproto/trace}: picks the port the packet
 * enters by (the docker0 link for a docker0 container, the endpoint's port for a container of a user-defined network,
 * the GRE port for a packet from a peer), runs the trace, and names every flow, port and peer in the answer.
 */
public final class HostTraceService {
    private final HostId host;
    private final Ipv4Address underlayIp;
    private final DeviceNames names;
    private final Supplier<Optional<Topology>> topology;
    private final Supplier<List<AttachedPort>> endpointPorts;
    private final BridgeTracer tracer;

    public HostTraceService(HostId host, Ipv4Address underlayIp, DeviceNames names,
            Supplier<Optional<Topology>> topology, Supplier<List<AttachedPort>> endpointPorts, BridgeTracer tracer) {
        this.host = host;
        this.underlayIp = underlayIp;
        this.names = names;
        this.topology = topology;
        this.endpointPorts = endpointPorts;
        this.tracer = tracer;
    }

    public HostTrace trace(TracePacket packet) {
        Topology topo = topology.get().orElseThrow(() -> new AgentException(AgentException.Code.UNAVAILABLE,
                "host " + host + " has no topology yet (its agent has not completed a first pass): retry in a moment"));
        List<AttachedPort> ports = endpointPorts.get();
        String bridge = names.integrationBridge();
        String inPort;
        String inRole;
        if (packet.tunnel().isPresent()) {
            TracePacket.TunnelIngress t = packet.tunnel().get();
            inPort = names.tunnelPort();
            inRole = "GRE tunnel from " + t.source() + peerOf(topo, t.source()).map(p -> " (host " + p + ")").orElse("")
                    + ", key 0x" + Long.toHexString(t.key());
        } else {
            Optional<NetworkEndpoint> endpoint = topo.endpoints().stream()
                    .filter(e -> e.host().equals(host) && e.address().equals(packet.source())).findFirst();
            if (endpoint.isPresent()) {
                NetworkEndpoint e = endpoint.get();
                inPort = portOf(e, ports).orElseThrow(() -> new AgentException(AgentException.Code.NOT_FOUND,
                        "the endpoint " + packet.source() + " of network " + networkName(topo, e.networkId())
                                + " on host " + host + " has no port on " + bridge + " (yet): is its container running?"
                                + " ('ovsfabricctl endpoints' shows it, 'ovs-vsctl show' on " + host + " does not)"));
                inRole = endpointRole(topo, e);
            } else if (topo.self().subnet().contains(packet.source())) {
                inPort = names.vethBridgeSide();
                inRole = "docker0 link (" + names.dockerBridge() + ", subnet " + topo.self().subnet() + ")";
            } else {
                throw new AgentException(AgentException.Code.NOT_FOUND, packet.source() + " is no container of host "
                        + host + ": not in its docker0 subnet " + topo.self().subnet() + " and no endpoint of a"
                        + " user-defined network here (trace from the host that runs it)");
            }
        }
        String flow = packet.flow(inPort, underlayIp);
        String raw = tracer.trace(bridge, flow);
        OfprotoTrace parsed = OfprotoTrace.parse(raw);
        List<TraceStep> steps = parsed.steps(bridge);
        Map<Integer, String> portNames = tracer.ports(bridge);
        TraceVerdict verdict = TraceVerdict.of(steps, portNames, names.tunnelPort());
        Optional<HostId> peer = Optional.empty();
        String outRole = "";
        if (verdict.kind() == TraceVerdict.Kind.TUNNEL && !verdict.tunnelDst().isEmpty()) {
            peer = peerOf(topo, Ipv4Address.parse(verdict.tunnelDst()));
        } else if (verdict.kind() == TraceVerdict.Kind.DELIVERED) {
            outRole = portRole(topo, ports, verdict.outPort(), packet.destination());
        }
        return new HostTrace(host, bridge, flow, inPort, inRole, steps, verdict, outRole, peer, raw);
    }

    private static Optional<HostId> peerOf(Topology topo, Ipv4Address underlay) {
        return topo.peers().stream().filter(p -> p.underlayIp().equals(underlay)).map(PeerHost::id).findFirst();
    }

    /** The OVS port of a local endpoint: tagged with its allocation handle, or with Docker's endpoint id. */
    private static Optional<String> portOf(NetworkEndpoint endpoint, List<AttachedPort> ports) {
        return ports.stream().filter(p -> p.networkId().equals(endpoint.networkId())
                        && (p.handle().equals(endpoint.endpointId()) || p.dockerEndpointId().equals(endpoint.endpointId())))
                .map(AttachedPort::port).findFirst();
    }

    private String portRole(Topology topo, List<AttachedPort> ports, String port, Ipv4Address destination) {
        if (port.equals(names.vethBridgeSide())) {
            return "docker0 link: to " + destination + " on " + names.dockerBridge();
        }
        for (OverlayNetwork network : topo.networks()) {
            if (NetworkPlanner.gatewayPort(network).equals(port)) {
                return "gateway port of network " + network.name() + " (" + network.gateway()
                        + "): the host routes it";
            }
        }
        Optional<AttachedPort> attached = ports.stream().filter(p -> p.port().equals(port)).findFirst();
        if (attached.isPresent()) {
            AttachedPort a = attached.get();
            Optional<NetworkEndpoint> endpoint = topo.endpoints().stream().filter(e -> e.host().equals(host)
                    && e.networkId().equals(a.networkId())
                    && (e.endpointId().equals(a.handle()) || e.endpointId().equals(a.dockerEndpointId()))).findFirst();
            if (endpoint.isPresent()) {
                return endpointRole(topo, endpoint.get());
            }
            return "endpoint port of network " + networkName(topo, a.networkId());
        }
        return "port " + port;
    }

    private static String endpointRole(Topology topo, NetworkEndpoint e) {
        String who = e.containerName().isEmpty() ? "a container" : "container " + e.containerName();
        return "endpoint of " + who + " on network " + networkName(topo, e.networkId()) + " (" + e.address() + ")";
    }

    private static String networkName(Topology topo, String networkId) {
        return topo.networks().stream().filter(n -> n.id().equals(networkId)).map(OverlayNetwork::name).findFirst()
                .orElse(networkId);
    }
}
