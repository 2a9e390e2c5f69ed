package io.ovsfabric.agent.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.plan.FlowCategory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Real {@code ovs-appctl ofproto/trace} outputs (OVS 3.1, captured on a three-host lab: h1 192.0.2.11 with subnet
 * 10.200.1.0/24, h3 192.0.2.13 with 10.200.2.0/24; appnet 10.201.0.0/16 key 0x1000, othernet 10.202.0.0/16 key
 * 0x1001) read back into steps and verdicts.
 */
class OfprotoTraceTest {
    /** h1's br0 ports as dump-ports-desc showed them. */
    static final Map<Integer, String> H1_PORTS = PortTable.parse(resource("h1-ports-desc.txt"));

    static String resource(String name) {
        try (InputStream in = OfprotoTraceTest.class.getResourceAsStream("/ovs-trace/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no test resource /ovs-trace/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static TraceVerdict verdict(String name) {
        return TraceVerdict.of(OfprotoTrace.parse(resource(name)).steps("br0"), H1_PORTS, "ofx-gre");
    }

    @Test
    void portTableNamesEveryPort() {
        assertEquals("ofx-br0", H1_PORTS.get(1));
        assertEquals("ofx-gre", H1_PORTS.get(2));
        assertEquals("ofxhe62e4e93caa", H1_PORTS.get(3));
        assertEquals("ofxg3d757b2a605", H1_PORTS.get(36864));
    }

    @Test
    void aDocker0PacketForAPeerGoesThroughTheClassifierAndThePeerTunnelFlow() {
        OfprotoTrace trace = OfprotoTrace.parse(resource("docker0-h1-to-tunnel.txt"));
        assertTrue(trace.flow().startsWith("icmp,in_port=1,"), trace.flow());
        assertEquals(List.of("br0", "br-phy"), trace.bridges().stream().map(OfprotoTrace.Bridge::name).toList());
        List<TraceStep> steps = trace.steps("br0");
        assertEquals(2, steps.size());
        assertEquals(new TraceStep(0, 200, "in_port=1", List.of("goto_table:10"), 0xfab010001000000L), steps.get(0));
        assertEquals(new TraceStep(10, 100, "ip,nw_dst=10.200.2.0/24", List.of("set_field:0x1->tun_id",
                "set_field:192.0.2.13->tun_dst", "output:2"), 0xfab030001000000L), steps.get(1));
        assertEquals(Optional.of(FlowCategory.CLASSIFIER), steps.get(0).category());
        assertEquals(Optional.of(FlowCategory.PEER_TUNNEL), steps.get(1).category());
        assertTrue(trace.bridge("br0").orElseThrow().notes().contains("-> tunneling to 192.0.2.13 via br-phy"));
        // the underlay bridge's one flow: no match, only a priority
        assertEquals(new TraceStep(0, 0, "", List.of("NORMAL"), 0xfab050001000000L), trace.steps("br-phy").get(0));
        assertTrue(trace.datapath().startsWith("tnl_push(tnl_port(2)"), trace.datapath());

        TraceVerdict v = verdict("docker0-h1-to-tunnel.txt");
        assertEquals(TraceVerdict.Kind.TUNNEL, v.kind());
        assertEquals("192.0.2.13", v.tunnelDst());
        assertEquals(0x1, v.tunnelId());
        assertEquals("ofx-gre", v.outPort());
        assertEquals(2, v.outPortNumber());
    }

    @Test
    void onThePeerTheTunnelledPacketIsDeliveredToTheDocker0Link() {
        TraceVerdict v = verdict("docker0-h3-from-tunnel.txt");
        assertEquals(TraceVerdict.Kind.DELIVERED, v.kind());
        assertEquals("ofx-br0", v.outPort());
        List<TraceStep> steps = OfprotoTrace.parse(resource("docker0-h3-from-tunnel.txt")).steps("br0");
        assertEquals("tun_id=0x1,in_port=2", steps.get(0).match());
        assertEquals(Optional.of(FlowCategory.LOCAL_DELIVERY), steps.get(1).category());
    }

    @Test
    void aUserNetworkPacketTunnelsWithItsNetworksKeyAndIsDeliveredToTheEndpointPort() {
        TraceVerdict out = verdict("appnet-h1-to-tunnel.txt");
        assertEquals(TraceVerdict.Kind.TUNNEL, out.kind());
        assertEquals(0x1000, out.tunnelId());
        assertEquals("192.0.2.13", out.tunnelDst());
        List<TraceStep> steps = OfprotoTrace.parse(resource("appnet-h1-to-tunnel.txt")).steps("br0");
        assertEquals(List.of("write_metadata:0x1000", "goto_table:30"), steps.get(0).actions());
        assertEquals(30, steps.get(1).table());

        TraceVerdict in = TraceVerdict.of(OfprotoTrace.parse(resource("appnet-h3-from-tunnel.txt")).steps("br0"),
                Map.of(2, "ofx-gre", 3, "ofxhd5b3c4a1e20"), "ofx-gre");
        assertEquals(TraceVerdict.Kind.DELIVERED, in.kind());
        assertEquals("ofxhd5b3c4a1e20", in.outPort());
        assertEquals(3, in.outPortNumber());
    }

    @Test
    void aCrossNetworkPacketIsDroppedBecauseItIsADifferentNetwork() {
        TraceVerdict v = verdict("appnet-h1-to-othernet.txt");
        assertEquals(TraceVerdict.Kind.DROPPED, v.kind());
        TraceStep drop = v.dropFlow().orElseThrow();
        assertEquals(Optional.of(FlowCategory.NETWORK_ISOLATION), drop.category());
        assertEquals("ip,metadata=0x1000,nw_dst=10.202.0.0/16", drop.match());
        assertEquals(50, drop.priority());
        assertTrue(v.reason().startsWith("different network"), v.reason());
        assertEquals("table=30 priority=50 ip,metadata=0x1000,nw_dst=10.202.0.0/16 actions=drop cookie=0xfab0c0001000000",
                drop.describe());
    }

    @Test
    void unknownDestinationsHitTheDefaultDrop() {
        for (String name : List.of("docker0-h1-unknown.txt", "docker0-h3-not-local.txt")) {
            TraceVerdict v = verdict(name);
            assertEquals(TraceVerdict.Kind.DROPPED, v.kind(), name);
            assertEquals(Optional.of(FlowCategory.DEFAULT_DROP), v.dropFlow().orElseThrow().category(), name);
            assertEquals(0, v.dropFlow().get().priority(), name);
            assertEquals(FlowCategory.DEFAULT_DROP.meaning(), v.reason());
        }
    }

    @Test
    void gatewayPortsAreADeliveryToo() {
        TraceVerdict toGateway = verdict("appnet-h1-to-gateway.txt");
        assertEquals(TraceVerdict.Kind.DELIVERED, toGateway.kind());
        assertEquals("ofxg3d757b2a605", toGateway.outPort());
        TraceVerdict fromGateway = verdict("appnet-h1-from-gateway-delivered.txt");
        assertEquals("ofxhe62e4e93caa", fromGateway.outPort());
    }

    @Test
    void aTableMissAndForeignCookiesAreNamedAsSuch() {
        String text = "Flow: icmp,in_port=1\n\nbridge(\"br0\")\n-------------\n"
                + " 0. in_port=1, priority 200, cookie 0x42\n    goto_table:10\n10. No match.\n    drop\n\n"
                + "Final flow: unchanged\nDatapath actions: drop\n";
        OfprotoTrace trace = OfprotoTrace.parse(text);
        List<TraceStep> steps = trace.steps("br0");
        assertEquals(2, steps.size());
        assertTrue(steps.get(0).meaning().startsWith("not an ovsfabric flow"), steps.get(0).meaning());
        TraceVerdict v = TraceVerdict.of(steps, Map.of(), "ofx-gre");
        assertEquals(TraceVerdict.Kind.DROPPED, v.kind());
        assertEquals("no flow in table 10 matched (table miss)", v.reason());
    }

    @Test
    void textThatIsNoTraceIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OfprotoTrace.parse("ovs-appctl: ovs-vswitchd: server returned an error"));
        assertTrue(e.getMessage().contains("not ofproto/trace output"), e.getMessage());
    }
}
