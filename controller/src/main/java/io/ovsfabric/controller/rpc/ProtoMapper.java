package io.ovsfabric.controller.rpc;

import io.ovsfabric.controller.model.EndpointRecord;
import io.ovsfabric.controller.model.FabricPlan;
import io.ovsfabric.controller.model.HostView;
import io.ovsfabric.controller.model.NetworkRecord;
import io.ovsfabric.controller.topology.TopologyChange;
import io.ovsfabric.controller.topology.TopologyEvent;
import io.ovsfabric.proto.v1.Endpoint;
import io.ovsfabric.proto.v1.EndpointRef;
import io.ovsfabric.proto.v1.FabricConfig;
import io.ovsfabric.proto.v1.Host;
import io.ovsfabric.proto.v1.HostState;
import io.ovsfabric.proto.v1.Network;
import io.ovsfabric.proto.v1.TopologyDelta;
import io.ovsfabric.proto.v1.TopologySnapshot;

/** Model to proto (pure). Proto types stay inside the rpc package. */
final class ProtoMapper {
    private ProtoMapper() {}

    static FabricConfig config(FabricPlan plan) {
        return FabricConfig.newBuilder().setFabricCidr(plan.fabricCidr().toString()).setHostPrefix(plan.hostPrefix())
                .setTunnelKey((int) plan.tunnelKey()).setUnderlayMtu(plan.underlayMtu()).setTunnelOverhead(plan.tunnelOverhead())
                .setReservedHead(plan.reservedHead()).setFabricId(plan.fabricId()).build();
    }

    static Host host(HostView view) {
        return Host.newBuilder().setHostId(view.record().hostId().value()).setUnderlayIp(view.record().underlayIp().toString())
                .setSubnet(view.record().subnet().toString()).setGateway(view.gateway().toString()).setState(state(view))
                .putAllCapabilities(view.record().capabilities()).setRegisteredAtUnixMs(view.record().allocatedAtMs())
                .setDownSinceUnixMs(view.state() == io.ovsfabric.controller.model.HostState.DOWN ? view.record().downSinceMs() : 0)
                .setReclaimableAtUnixMs(view.reclaimableAtMs())
                .setLeft(view.state() == io.ovsfabric.controller.model.HostState.DOWN && view.record().left()).build();
    }

    static HostState state(HostView view) {
        return switch (view.state()) {
            case UP -> HostState.HOST_STATE_UP;
            case DOWN -> HostState.HOST_STATE_DOWN;
            case RESERVED -> HostState.HOST_STATE_RESERVED;
        };
    }

    static Network network(NetworkRecord network) {
        return Network.newBuilder().setId(network.id()).setName(network.name()).setSubnet(network.subnet().toString())
                .setGateway(network.gateway().toString()).setTunnelKey((int) network.tunnelKey()).putAllLabels(network.labels())
                .setCreatedAtUnixMs(network.createdAtMs()).build();
    }

    static Endpoint endpoint(EndpointRecord endpoint) {
        return Endpoint.newBuilder().setNetworkId(endpoint.networkId()).setEndpointId(endpoint.endpointId())
                .setHostId(endpoint.hostId().value()).setAddress(endpoint.address().toString()).setMac(endpoint.mac())
                .setContainerId(endpoint.containerId()).setContainerName(endpoint.containerName())
                .addAllAliases(endpoint.aliases()).build();
    }

    static io.ovsfabric.proto.v1.TopologyEvent event(TopologyEvent event) {
        io.ovsfabric.proto.v1.TopologyEvent.Builder out = io.ovsfabric.proto.v1.TopologyEvent.newBuilder().setRevision(event.revision());
        if (event.isSnapshot()) {
            TopologyEvent.Snapshot snapshot = event.snapshot();
            TopologySnapshot.Builder s = TopologySnapshot.newBuilder();
            if (snapshot.plan() != null) {
                s.setConfig(config(snapshot.plan()));
            }
            snapshot.hosts().forEach(h -> s.addHosts(host(h)));
            snapshot.networks().forEach(n -> s.addNetworks(network(n)));
            snapshot.endpoints().forEach(e -> s.addEndpoints(endpoint(e)));
            return out.setSnapshot(s).build();
        }
        TopologyDelta.Builder delta = TopologyDelta.newBuilder();
        for (TopologyChange change : event.changes()) {
            io.ovsfabric.proto.v1.TopologyChange.Builder c = io.ovsfabric.proto.v1.TopologyChange.newBuilder();
            if (change instanceof TopologyChange.HostUpserted h) {
                c.setHostUpserted(host(h.host()));
            } else if (change instanceof TopologyChange.HostRemoved h) {
                c.setHostRemoved(h.hostId().value());
            } else if (change instanceof TopologyChange.NetworkUpserted n) {
                c.setNetworkUpserted(network(n.network()));
            } else if (change instanceof TopologyChange.NetworkRemoved n) {
                c.setNetworkRemoved(n.networkId());
            } else if (change instanceof TopologyChange.EndpointUpserted e) {
                c.setEndpointUpserted(endpoint(e.endpoint()));
            } else if (change instanceof TopologyChange.EndpointRemoved e) {
                c.setEndpointRemoved(EndpointRef.newBuilder().setNetworkId(e.networkId()).setEndpointId(e.endpointId()));
            }
            delta.addChanges(c);
        }
        return out.setDelta(delta).build();
    }
}
