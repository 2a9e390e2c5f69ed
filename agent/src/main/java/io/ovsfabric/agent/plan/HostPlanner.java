package io.ovsfabric.agent.plan;

import io.ovsfabric.agent.model.FabricSettings;
import io.ovsfabric.agent.model.PeerHost;
import io.ovsfabric.agent.model.Topology;
import io.ovsfabric.common.Cidr;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** The desired host state for a topology: pure, no I/O. */
public final class HostPlanner {
    static final Set<String> PROTOCOLS = Set.of("OpenFlow13");

    private HostPlanner() {}

    public static DesiredHost desired(Topology topology, PlanSettings settings, UnderlayFacts underlay) {
        return desired(topology, settings, underlay, List.of());
    }

    /** With the Docker plugin's endpoints not known: every observed endpoint port gets flows and is left alone. */
    public static DesiredHost desired(Topology topology, PlanSettings settings, UnderlayFacts underlay,
            List<EndpointPort> endpointPorts) {
        return desired(topology, settings, underlay, endpointPorts, Optional.empty());
    }

    /**
     * @param endpointPorts the container endpoint ports on the integration bridge as observed (their OpenFlow port
     *                      numbers): user-defined networks get flows for those the topology knows
     * @param local         the Docker plugin's endpoints and published ports; empty while its state is not known
     *                      (then endpoint ports, their veths and the published-port chain are left as they are)
     */
    public static DesiredHost desired(Topology topology, PlanSettings settings, UnderlayFacts underlay,
            List<EndpointPort> endpointPorts, Optional<LocalEndpoints> local) {
        DeviceNames names = settings.names();
        FabricSettings fabric = topology.fabric();
        boolean netdev = settings.mode() == DatapathMode.NETDEV;
        int mtu = Mtu.overlay(topology.self().mtu(), fabric.underlayMtu(), fabric.tunnelOverhead(), underlay.mtu());
        Map<String, String> marks = Ownership.marks(topology.self().id());

        List<BridgeSpec> bridges = new ArrayList<>();
        Map<String, String> integrationIds = new HashMap<>(marks);
        integrationIds.put(Ownership.ROUND_KEY, Integer.toString(settings.round()));
        PortTypes.Choice vethType = PortTypes.choose(settings.ports(), names.vethBridgeSide(), mtu);
        List<PortSpec> integrationPorts = new ArrayList<>(List.of(
                new PortSpec(names.vethBridgeSide(), vethType.type(), vethType.options(), FlowPlanner.VETH_PORT, null,
                        vethType.portIds(marks)),
                new PortSpec(names.tunnelPort(), "gre", Map.of("remote_ip", "flow", "key", "flow"),
                        FlowPlanner.TUNNEL_PORT, null, marks)));
        integrationPorts.addAll(NetworkPlanner.gatewayPorts(topology, marks, mtu));
        List<LocalEndpoint> endpoints = local.map(LocalEndpoints::endpoints).orElse(List.of());
        for (LocalEndpoint endpoint : endpoints) {
            PortTypes.Choice type = PortTypes.chooseEndpoint(settings.ports(), endpoint.hostInterface(), mtu);
            integrationPorts.add(new PortSpec(endpoint.hostInterface(), type.type(), type.options(), null, null,
                    type.portIds(marks), endpoint.interfaceIds(marks)));
        }
        bridges.add(new BridgeSpec(names.integrationBridge(), settings.mode().ovsDatapathType(), "secure", PROTOCOLS,
                integrationIds, integrationPorts));

        Boolean vethChecksum = netdev ? Boolean.FALSE : null;
        Cidr fabricCidr = fabric.fabricCidr();
        List<LinkSpec> links = new ArrayList<>();
        links.add(new LinkSpec(names.dockerBridge(), LinkSpec.Kind.BRIDGE, null, null, mtu, true,
                List.of(new InterfaceAddress(topology.self().gateway(), fabricCidr.prefixLength())), fabricCidr, null));
        links.add(new LinkSpec(names.vethDockerSide(), LinkSpec.Kind.VETH, names.vethBridgeSide(), names.dockerBridge(),
                mtu, true, List.of(), null, vethChecksum));
        // arp off on the br0 end: frames from docker0 also reach the host's stack there, which would answer a
        // container's ARP for the docker0 gateway with this end's MAC (a second, wrong answer racing docker0's own)
        links.add(new LinkSpec(names.vethBridgeSide(), LinkSpec.Kind.VETH, names.vethDockerSide(), null, mtu, true,
                List.of(), null, vethChecksum, Boolean.FALSE));
        links.addAll(NetworkPlanner.gatewayLinks(topology, mtu));
        for (LocalEndpoint endpoint : endpoints) {
            links.add(LinkSpec.sandboxVeth(endpoint.hostInterface(), endpoint.containerInterface(), endpoint.mac(), mtu,
                    vethChecksum));
        }

        List<Route> routesToRemove = List.of();
        if (netdev) {
            Map<String, String> underlayIds = new HashMap<>(marks);
            underlayIds.put(Ownership.UNDERLAY_INTERFACE_KEY, underlay.interfaceName());
            underlayIds.put(Ownership.UNDERLAY_ADDRESS_KEY, underlay.address().toString());
            underlayIds.put(Ownership.UNDERLAY_ROUTES_KEY, underlay.storedRoutes());
            PortTypes.Choice underlayType = PortTypes.choose(settings.ports(), underlay.interfaceName(), underlay.mtu());
            bridges.add(new BridgeSpec(names.underlayBridge(), "netdev", "standalone", PROTOCOLS, underlayIds, List.of(
                    new PortSpec(names.underlayBridge(), "internal", Map.of(), null, underlay.mtu(), marks),
                    new PortSpec(underlay.interfaceName(), underlayType.type(), underlayType.options(),
                            FlowPlanner.UNDERLAY_PORT, null, underlayType.portIds(marks)))));
            links.add(new LinkSpec(names.underlayBridge(), LinkSpec.Kind.EXISTING, null, null, 0, false,
                    List.of(underlay.address()), null, null));
            links.add(new LinkSpec(underlay.interfaceName(), LinkSpec.Kind.EXISTING, null, null, 0, false, List.of(),
                    new Cidr(underlay.address().address(), 32), null));
            routesToRemove = underlay.routes().stream().map(r -> r.onDevice(underlay.interfaceName())).toList();
        }
        List<Flow> flows = new ArrayList<>(FlowPlanner.flows(topology, settings));
        Set<String> wantedPorts = endpoints.stream().map(LocalEndpoint::hostInterface).collect(Collectors.toSet());
        List<EndpointPort> withFlows = local.isEmpty() ? endpointPorts
                : endpointPorts.stream().filter(p -> wantedPorts.contains(p.name())).toList();
        flows.addAll(NetworkPlanner.flows(topology, withFlows, settings));
        return new DesiredHost(bridges, flows, links, netdev ? underlay.routes() : List.of(), routesToRemove,
                FilterPlanner.rules(fabricCidr, names.dockerBridge(), NetworkPlanner.networks(topology),
                        local.map(LocalEndpoints::publishedPorts),
                        new FilterPlanner.Admission(Optional.of(topology.self().subnet()),
                                netdev ? Optional.of(names.underlayBridge()) : Optional.empty(),
                                topology.peers().stream().map(PeerHost::underlayIp).toList(), settings.icc())),
                mtu, local.isEmpty());
    }
}
