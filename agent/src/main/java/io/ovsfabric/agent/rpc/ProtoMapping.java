package io.ovsfabric.agent.rpc;

import io.ovsfabric.agent.model.FabricHost;
import io.ovsfabric.agent.model.FabricSettings;
import io.ovsfabric.agent.model.LocalHost;
import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.model.TopologyUpdate;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.proto.v1.Endpoint;
import io.ovsfabric.proto.v1.FabricConfig;
import io.ovsfabric.proto.v1.Host;
import io.ovsfabric.proto.v1.HostState;
import io.ovsfabric.proto.v1.Network;
import io.ovsfabric.proto.v1.RegisterResponse;
import io.ovsfabric.proto.v1.TopologyChange;
import io.ovsfabric.proto.v1.TopologyEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Protobuf to agent model. Proto types stop here. */
final class ProtoMapping {
    private ProtoMapping() {}

    static FabricSettings fabric(FabricConfig c) {
        return new FabricSettings(Cidr.parse(c.getFabricCidr()), c.getHostPrefix(), c.getTunnelKey(),
                c.getUnderlayMtu(), c.getTunnelOverhead(), c.getReservedHead(), c.getFabricId());
    }

    static FabricHost host(Host h) {
        return new FabricHost(HostId.of(h.getHostId()), Ipv4Address.parse(h.getUnderlayIp()), Cidr.parse(h.getSubnet()),
                h.getState() == HostState.HOST_STATE_UP);
    }

    static OverlayNetwork network(Network n) {
        Cidr subnet = Cidr.parse(n.getSubnet());
        Ipv4Address gateway = n.getGateway().isEmpty() ? subnet.firstUsable() : Ipv4Address.parse(n.getGateway());
        return new OverlayNetwork(n.getId(), n.getName(), subnet, gateway, Integer.toUnsignedLong(n.getTunnelKey()));
    }

    static NetworkEndpoint endpoint(Endpoint e) {
        return new NetworkEndpoint(e.getNetworkId(), e.getEndpointId(), HostId.of(e.getHostId()),
                Ipv4Address.parse(e.getAddress()), e.getMac(), e.getContainerId(), e.getContainerName(),
                e.getAliasesList());
    }

    static LocalHost self(RegisterResponse r) {
        Host h = r.getHost();
        return new LocalHost(HostId.of(h.getHostId()), Ipv4Address.parse(h.getUnderlayIp()), Cidr.parse(h.getSubnet()),
                Ipv4Address.parse(h.getGateway()), r.getMtu());
    }

    /** Empty for events that carry nothing the agent follows (a delta of changes it does not know is kept). */
    static Optional<TopologyUpdate> update(TopologyEvent e) {
        if (e.hasSnapshot()) {
            List<FabricHost> hosts = e.getSnapshot().getHostsList().stream().map(ProtoMapping::host).toList();
            List<OverlayNetwork> networks = e.getSnapshot().getNetworksList().stream().map(ProtoMapping::network)
                    .toList();
            List<NetworkEndpoint> endpoints = e.getSnapshot().getEndpointsList().stream()
                    .map(ProtoMapping::endpoint).toList();
            return Optional.of(new TopologyUpdate.Snapshot(fabric(e.getSnapshot().getConfig()), hosts, networks,
                    endpoints, e.getRevision()));
        }
        if (e.hasDelta()) {
            List<TopologyUpdate.HostChange> changes = new ArrayList<>();
            for (TopologyChange c : e.getDelta().getChangesList()) {
                if (c.hasHostUpserted()) {
                    changes.add(new TopologyUpdate.HostUpserted(host(c.getHostUpserted())));
                } else if (c.getChangeCase() == TopologyChange.ChangeCase.HOST_REMOVED) {
                    changes.add(new TopologyUpdate.HostRemoved(HostId.of(c.getHostRemoved())));
                } else if (c.hasNetworkUpserted()) {
                    changes.add(new TopologyUpdate.NetworkUpserted(network(c.getNetworkUpserted())));
                } else if (c.getChangeCase() == TopologyChange.ChangeCase.NETWORK_REMOVED) {
                    changes.add(new TopologyUpdate.NetworkRemoved(c.getNetworkRemoved()));
                } else if (c.hasEndpointUpserted()) {
                    changes.add(new TopologyUpdate.EndpointUpserted(endpoint(c.getEndpointUpserted())));
                } else if (c.hasEndpointRemoved()) {
                    changes.add(new TopologyUpdate.EndpointRemoved(new NetworkEndpoint.Key(
                            c.getEndpointRemoved().getNetworkId(), c.getEndpointRemoved().getEndpointId())));
                }
            }
            // Kept even when empty: the revision still advances, so a resume starts after it.
            return Optional.of(new TopologyUpdate.Delta(changes, e.getRevision()));
        }
        return Optional.empty();
    }
}
