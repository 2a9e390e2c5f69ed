package io.ovsfabric.agent.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.model.AttachedPort;
import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.model.Topology;
import io.ovsfabric.agent.plan.DeviceNames;
import io.ovsfabric.agent.plan.Topologies;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.TunnelKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which port a traced packet enters by, and how the answer names ports and peers (OVS faked with real outputs). */
class HostTraceServiceTest {
    static final OverlayNetwork APPNET = new OverlayNetwork("3d757b2a60594f429a7342fa78b279db", "appnet",
            Cidr.parse("10.201.0.0/16"), Ipv4Address.parse("10.201.0.1"), TunnelKey.of(0x1000));
    static final NetworkEndpoint APP_H1 = new NetworkEndpoint(APPNET.id(), "h1:3d757b2a60594f429a7342fa78b279db:0203cd066205",
            HostId.of("h1"), Ipv4Address.parse("10.201.0.2"), "02:42:c0:d9:76:c0", "5f14", "app-h1", List.of());
    static final List<AttachedPort> PORTS = List.of(new AttachedPort("ofxhe62e4e93caa", APPNET.id(), APP_H1.endpointId(),
            "e62e4e93caaa"));

    /** Answers ofproto/trace with a captured output and records the flows asked for. */
    static final class FakeTracer implements BridgeTracer {
        final List<String> flows = new ArrayList<>();
        final String output;

        FakeTracer(String resource) {
            this.output = OfprotoTraceTest.resource(resource);
        }

        @Override
        public String trace(String bridge, String flow) {
            flows.add(bridge + " " + flow);
            return output;
        }

        @Override
        public Map<Integer, String> ports(String bridge) {
            return OfprotoTraceTest.H1_PORTS;
        }
    }

    static HostTraceService service(FakeTracer tracer) {
        Topology base = Topologies.of(1, 3);
        Topology topology = new Topology(base.fabric(), base.self(), base.peers(), List.of(APPNET), List.of(APP_H1), 9);
        return new HostTraceService(HostId.of("h1"), Topologies.underlay(1), DeviceNames.defaults(),
                () -> Optional.of(topology), () -> PORTS, tracer);
    }

    static TracePacket packet(String src, String dst, TracePacket.Protocol proto, int port) {
        return new TracePacket(Ipv4Address.parse(src), Ipv4Address.parse(dst), proto, port, Optional.empty());
    }

    @Test
    void aDocker0SourceEntersByTheDocker0LinkAndTheTunnelNamesThePeer() {
        FakeTracer tracer = new FakeTracer("docker0-h1-to-tunnel.txt");
        HostTrace trace = service(tracer).trace(packet("10.200.1.128", "10.200.3.128", TracePacket.Protocol.ICMP, 0));
        assertEquals(List.of("br0 icmp,in_port=ofx-br0,nw_src=10.200.1.128,nw_dst=10.200.3.128,nw_ttl=64,icmp_type=8,"
                + "icmp_code=0"), tracer.flows);
        assertEquals("ofx-br0", trace.inPort());
        assertTrue(trace.inPortRole().startsWith("docker0 link"), trace.inPortRole());
        assertEquals(TraceVerdict.Kind.TUNNEL, trace.verdict().kind());
        assertEquals(Optional.of(HostId.of("h3")), trace.peer());
    }

    @Test
    void aUserNetworkSourceEntersByItsEndpointPort() {
        FakeTracer tracer = new FakeTracer("appnet-h1-to-othernet.txt");
        HostTrace trace = service(tracer).trace(packet("10.201.0.2", "10.202.0.3", TracePacket.Protocol.TCP, 8080));
        assertEquals(List.of("br0 tcp,in_port=ofxhe62e4e93caa,nw_src=10.201.0.2,nw_dst=10.202.0.3,nw_ttl=64,"
                + "tcp_src=40000,tcp_dst=8080"), tracer.flows);
        assertEquals("endpoint of container app-h1 on network appnet (10.201.0.2)", trace.inPortRole());
        assertEquals(TraceVerdict.Kind.DROPPED, trace.verdict().kind());
        assertTrue(trace.verdict().reason().startsWith("different network"));
    }

    @Test
    void fromTheTunnelTheFlowCarriesKeyAndOuterAddressesAndDeliveryNamesTheEndpoint() {
        FakeTracer tracer = new FakeTracer("appnet-h1-from-gateway-delivered.txt");
        TracePacket packet = new TracePacket(Ipv4Address.parse("10.201.0.3"), Ipv4Address.parse("10.201.0.2"),
                TracePacket.Protocol.UDP, 0, Optional.of(new TracePacket.TunnelIngress(0x1000,
                        Ipv4Address.parse("192.0.2.13"))));
        HostTrace trace = service(tracer).trace(packet);
        assertEquals(List.of("br0 udp,in_port=ofx-gre,tun_id=0x1000,tun_src=192.0.2.13,tun_dst=192.0.2.11,"
                + "nw_src=10.201.0.3,nw_dst=10.201.0.2,nw_ttl=64,udp_src=40000,udp_dst=80"), tracer.flows);
        assertEquals("GRE tunnel from 192.0.2.13 (host h3), key 0x1000", trace.inPortRole());
        assertEquals(TraceVerdict.Kind.DELIVERED, trace.verdict().kind());
        assertEquals("endpoint of container app-h1 on network appnet (10.201.0.2)", trace.outPortRole());
    }

    @Test
    void aSourceThatIsNoContainerHereIsNotFoundWithWhereToLook() {
        AgentException e = assertThrows(AgentException.class, () -> service(new FakeTracer("docker0-h1-to-tunnel.txt"))
                .trace(packet("10.200.3.128", "10.200.1.128", TracePacket.Protocol.ICMP, 0)));
        assertEquals(AgentException.Code.NOT_FOUND, e.code());
        assertTrue(e.getMessage().contains("is no container of host h1"), e.getMessage());
    }

    @Test
    void portsAndProtocolsAreChecked() {
        assertEquals(TracePacket.Protocol.ICMP, TracePacket.Protocol.parse(""));
        assertEquals(AgentException.Code.INVALID, assertThrows(AgentException.class,
                () -> TracePacket.Protocol.parse("sctp")).code());
        assertEquals(AgentException.Code.INVALID, assertThrows(AgentException.class,
                () -> packet("10.0.0.1", "10.0.0.2", TracePacket.Protocol.ICMP, 80)).code());
        assertEquals(80, packet("10.0.0.1", "10.0.0.2", TracePacket.Protocol.TCP, 0).destinationPort());
    }
}
