package io.ovsfabric.agent.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.model.FabricHost;
import io.ovsfabric.agent.model.FabricSettings;
import io.ovsfabric.agent.model.FabricView;
import io.ovsfabric.agent.model.LocalHost;
import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.model.TopologyUpdate;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.TunnelKey;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentStateStoreTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsAndLeavesNoTemporaryFile() throws Exception {
        AgentStateStore store = new AgentStateStore(dir.resolve("state"));
        assertTrue(store.load().isEmpty());
        FabricSettings fabric = new FabricSettings(Cidr.parse("10.200.0.0/16"), 24, TunnelKey.of(7), 1500, 42, 2, "fab-1");
        LocalHost self = new LocalHost(HostId.of("h1"), Ipv4Address.parse("192.0.2.11"), Cidr.parse("10.200.1.0/24"),
                Ipv4Address.parse("10.200.1.1"), 1458);
        FabricView view = FabricView.of(new TopologyUpdate.Snapshot(fabric, List.of(
                new FabricHost(HostId.of("h1"), Ipv4Address.parse("192.0.2.11"), Cidr.parse("10.200.1.0/24"), true),
                new FabricHost(HostId.of("h2"), Ipv4Address.parse("192.0.2.12"), Cidr.parse("10.200.2.0/24"), false)),
                42));
        store.save(new AgentState(self, view));
        store.save(new AgentState(self, view)); // overwriting works
        AgentState loaded = store.load().orElseThrow();
        assertEquals(self, loaded.self());
        assertEquals(view, loaded.view());
        assertFalse(Files.exists(dir.resolve("state").resolve(AgentStateStore.FILE + ".tmp")));
    }

    @Test
    void networksAndEndpointsSurviveSoUserNetworkFlowsComeBackWithoutTheController() throws Exception {
        AgentStateStore store = new AgentStateStore(dir);
        FabricSettings fabric = new FabricSettings(Cidr.parse("10.200.0.0/16"), 24, TunnelKey.of(7), 1500, 42, 2, "fab-1");
        LocalHost self = new LocalHost(HostId.of("h1"), Ipv4Address.parse("192.0.2.11"), Cidr.parse("10.200.1.0/24"),
                Ipv4Address.parse("10.200.1.1"), 1458);
        OverlayNetwork appnet = new OverlayNetwork("n1", "appnet", Cidr.parse("10.201.0.0/16"), Ipv4Address.parse("10.201.0.1"), TunnelKey.of(4096));
        NetworkEndpoint ep = new NetworkEndpoint("n1", "h2:n1:abc", HostId.of("h2"), Ipv4Address.parse("10.201.0.2"),
                "02:42:0a:c9:00:02", "c0ffee", "web1", List.of("web1", "www"));
        FabricView view = FabricView.of(new TopologyUpdate.Snapshot(fabric, List.of(
                new FabricHost(HostId.of("h1"), Ipv4Address.parse("192.0.2.11"), Cidr.parse("10.200.1.0/24"), true),
                new FabricHost(HostId.of("h2"), Ipv4Address.parse("192.0.2.12"), Cidr.parse("10.200.2.0/24"), true)),
                List.of(appnet), List.of(ep), 77));
        store.save(new AgentState(self, view));
        AgentState loaded = store.load().orElseThrow();
        assertEquals(view, loaded.view());
        assertEquals(List.of(appnet), loaded.view().topology(self).networks());
        assertEquals(List.of(ep), loaded.view().topology(self).endpoints());
    }

    @Test
    void aVersionOneFileAsksForAFreshSnapshot() throws Exception {
        Files.writeString(dir.resolve(AgentStateStore.FILE), """
                {"version":1,"self":{"id":"h1","underlayIp":"192.0.2.11","subnet":"10.200.1.0/24","gateway":"10.200.1.1","mtu":1458},
                 "fabric":{"fabricCidr":"10.200.0.0/16","hostPrefix":24,"tunnelKey":7,"underlayMtu":1500,"tunnelOverhead":42,
                 "reservedHead":2,"fabricId":"fab-1"},
                 "hosts":[{"id":"h1","underlayIp":"192.0.2.11","subnet":"10.200.1.0/24","up":true}],"revision":42}
                """);
        AgentState loaded = new AgentStateStore(dir).load().orElseThrow();
        assertEquals(0, loaded.view().revision());
        assertEquals(1, loaded.view().hosts().size());
    }

    @Test
    void aCorruptFileSaysWhatToDo() throws Exception {
        Files.writeString(dir.resolve(AgentStateStore.FILE), "{not json");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> new AgentStateStore(dir).load());
        assertTrue(e.getMessage().contains("move it away"), e.getMessage());
    }

    @Test
    void keysOfTwoToThe31AndMoreRoundTripUnsigned() throws Exception {
        AgentStateStore store = new AgentStateStore(dir);
        FabricSettings fabric = new FabricSettings(Cidr.parse("10.200.0.0/16"), 24, TunnelKey.of(4294967295L), 1500, 42,
                2, "fab-1");
        LocalHost self = new LocalHost(HostId.of("h1"), Ipv4Address.parse("192.0.2.11"), Cidr.parse("10.200.1.0/24"),
                Ipv4Address.parse("10.200.1.1"), 1458);
        OverlayNetwork high = new OverlayNetwork("n1", "high", Cidr.parse("10.201.0.0/16"),
                Ipv4Address.parse("10.201.0.1"), TunnelKey.of(0x80000000L), Map.of(OverlayNetwork.POOL_ID_LABEL, "ofx-p"));
        FabricView view = FabricView.of(new TopologyUpdate.Snapshot(fabric, List.of(
                new FabricHost(HostId.of("h1"), Ipv4Address.parse("192.0.2.11"), Cidr.parse("10.200.1.0/24"), true)),
                List.of(high), List.of(), 5));
        store.save(new AgentState(self, view));
        assertTrue(Files.readString(store.file()).contains("4294967295"), Files.readString(store.file()));
        AgentState loaded = store.load().orElseThrow();
        assertEquals(view, loaded.view());
        assertEquals(TunnelKey.of(4294967295L), loaded.view().fabric().tunnelKey());
        assertEquals("ofx-p", loaded.view().networks().get("n1").poolId());
    }

    @Test
    void aFileOfAnOlderAgentWithANegativeKeyReadsBackUnsigned() throws Exception {
        // agents before TunnelKey decoded the default key signed and saved -1 for 4294967295; networks had no labels
        Files.writeString(dir.resolve(AgentStateStore.FILE), """
                {"version":2,"self":{"id":"h1","underlayIp":"192.0.2.11","subnet":"10.200.1.0/24","gateway":"10.200.1.1","mtu":1458},
                 "fabric":{"fabricCidr":"10.200.0.0/16","hostPrefix":24,"tunnelKey":-1,"underlayMtu":1500,"tunnelOverhead":42,
                 "reservedHead":2,"fabricId":"fab-1"},
                 "hosts":[{"id":"h1","underlayIp":"192.0.2.11","subnet":"10.200.1.0/24","up":true}],"revision":42,
                 "networks":[{"id":"n1","name":"appnet","subnet":"10.201.0.0/16","gateway":"10.201.0.1","tunnelKey":4096}],
                 "endpoints":[]}
                """);
        AgentState loaded = new AgentStateStore(dir).load().orElseThrow();
        assertEquals(TunnelKey.of(4294967295L), loaded.view().fabric().tunnelKey());
        assertEquals(TunnelKey.of(4096), loaded.view().networks().get("n1").tunnelKey());
        assertEquals(Map.of(), loaded.view().networks().get("n1").labels());
        assertEquals(42, loaded.view().revision());
    }
}
