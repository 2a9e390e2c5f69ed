package io.ovsfabric.agent.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.model.TopologyUpdate;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.TunnelKey;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.proto.v1.Endpoint;
import io.ovsfabric.proto.v1.EndpointRef;
import io.ovsfabric.proto.v1.FabricConfig;
import io.ovsfabric.proto.v1.Network;
import io.ovsfabric.proto.v1.TopologyChange;
import io.ovsfabric.proto.v1.TopologyDelta;
import io.ovsfabric.proto.v1.TopologyEvent;
import io.ovsfabric.proto.v1.TopologySnapshot;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProtoMappingTest {
    static final Network APPNET = Network.newBuilder().setId("fn0001").setName("appnet").setSubnet("10.201.0.0/16")
            .setGateway("10.201.0.1").setTunnelKey(0x101).build();
    static final Endpoint WEB = Endpoint.newBuilder().setNetworkId("fn0001").setEndpointId("h1:fn0001:aa")
            .setHostId("h1").setAddress("10.201.0.2").setMac("02:42:0a:c9:00:02").setContainerName("web")
            .addAliases("www").build();

    @Test
    void snapshotCarriesNetworksAndEndpoints() {
        TopologyEvent event = TopologyEvent.newBuilder().setRevision(7).setSnapshot(TopologySnapshot.newBuilder()
                .setConfig(FabricConfig.newBuilder().setFabricCidr("10.200.0.0/16").setHostPrefix(24).setTunnelKey(1)
                        .setUnderlayMtu(1500).setTunnelOverhead(42))
                .addNetworks(APPNET).addEndpoints(WEB)).build();
        TopologyUpdate.Snapshot snapshot = (TopologyUpdate.Snapshot) ProtoMapping.update(event).orElseThrow();
        assertEquals(List.of(new OverlayNetwork("fn0001", "appnet", Cidr.parse("10.201.0.0/16"),
                Ipv4Address.parse("10.201.0.1"), TunnelKey.of(0x101))), snapshot.networks());
        assertEquals(List.of(new NetworkEndpoint("fn0001", "h1:fn0001:aa", HostId.of("h1"),
                Ipv4Address.parse("10.201.0.2"), "02:42:0a:c9:00:02", "", "web", List.of("www"))), snapshot.endpoints());
    }

    @Test
    void deltaCarriesNetworkAndEndpointChangesInOrder() {
        TopologyEvent event = TopologyEvent.newBuilder().setRevision(9).setDelta(TopologyDelta.newBuilder()
                .addChanges(TopologyChange.newBuilder().setNetworkUpserted(APPNET.toBuilder().setGateway("")))
                .addChanges(TopologyChange.newBuilder().setEndpointUpserted(WEB))
                .addChanges(TopologyChange.newBuilder().setEndpointRemoved(EndpointRef.newBuilder()
                        .setNetworkId("fn0001").setEndpointId("h1:fn0001:aa")))
                .addChanges(TopologyChange.newBuilder().setNetworkRemoved("fn0001"))).build();
        TopologyUpdate.Delta delta = (TopologyUpdate.Delta) ProtoMapping.update(event).orElseThrow();
        assertEquals(4, delta.changes().size());
        assertEquals(Ipv4Address.parse("10.201.0.1"),
                ((TopologyUpdate.NetworkUpserted) delta.changes().get(0)).network().gateway(),
                "no gateway means the subnet's first address");
        assertEquals("web", ((TopologyUpdate.EndpointUpserted) delta.changes().get(1)).endpoint().containerName());
        assertEquals(new NetworkEndpoint.Key("fn0001", "h1:fn0001:aa"),
                ((TopologyUpdate.EndpointRemoved) delta.changes().get(2)).key());
        assertEquals("fn0001", ((TopologyUpdate.NetworkRemoved) delta.changes().get(3)).networkId());
    }

    @Test
    void tunnelKeysAreUnsignedInTheFabricPlanAndInNetworks() {
        for (long key : new long[] {0x80000000L, 0xffffffffL}) {
            int wire = (int) key; // what a uint32 of 2^31 or more reads as in Java: negative
            TopologyEvent event = TopologyEvent.newBuilder().setRevision(3).setSnapshot(TopologySnapshot.newBuilder()
                    .setConfig(FabricConfig.newBuilder().setFabricCidr("10.200.0.0/16").setHostPrefix(24)
                            .setTunnelKey(wire).setUnderlayMtu(1500).setTunnelOverhead(42))
                    .addNetworks(APPNET.toBuilder().setTunnelKey(wire))).build();
            TopologyUpdate.Snapshot snapshot = (TopologyUpdate.Snapshot) ProtoMapping.update(event).orElseThrow();
            assertEquals(TunnelKey.of(key), snapshot.fabric().tunnelKey(), Long.toHexString(key));
            assertEquals(key, snapshot.fabric().tunnelKey().value());
            assertEquals(TunnelKey.of(key), snapshot.networks().get(0).tunnelKey(), Long.toHexString(key));
            assertEquals(TunnelKey.of(key), ProtoMapping.fabric(FabricConfig.newBuilder().setFabricCidr("10.200.0.0/16")
                    .setHostPrefix(24).setTunnelKey(wire).build()).tunnelKey());
        }
        assertEquals("4294967295", ProtoMapping.network(APPNET.toBuilder().setTunnelKey(0xffffffff).build())
                .tunnelKey().toString());
    }

    @Test
    void networksKeepTheirLabelsAndEndpointsMapBothWays() {
        OverlayNetwork labelled = ProtoMapping.network(APPNET.toBuilder().putLabels(OverlayNetwork.POOL_ID_LABEL, "ofx-p")
                .build());
        assertEquals("ofx-p", labelled.poolId());
        assertEquals("ofx-fn0001", ProtoMapping.network(APPNET).poolId());
        assertEquals(WEB, ProtoMapping.endpoint(ProtoMapping.endpoint(WEB)));
    }

    @Test
    void unusableFieldsFromTheControllerAreItsFailure() {
        AgentException e = org.junit.jupiter.api.Assertions.assertThrows(AgentException.class,
                () -> ProtoMapping.network(APPNET.toBuilder().setSubnet("10.201.0.7/16").build()));
        assertEquals(AgentException.Code.FAILED, e.code());
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("network appnet (fn0001)"), e.getMessage());
    }
}
