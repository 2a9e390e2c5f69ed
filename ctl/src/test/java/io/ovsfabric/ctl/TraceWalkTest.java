package io.ovsfabric.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.proto.v1.Endpoint;
import io.ovsfabric.proto.v1.Host;
import io.ovsfabric.proto.v1.HostState;
import io.ovsfabric.proto.v1.Network;
import io.ovsfabric.proto.v1.TraceRequest;
import io.ovsfabric.proto.v1.TraceResponse;
import io.ovsfabric.proto.v1.TraceStep;
import io.ovsfabric.proto.v1.TraceVerdict;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Resolving both ends and stitching the hosts' traces, over fake agent answers. */
class TraceWalkTest {
    static final Host H1 = host("h1", "192.0.2.11", "10.200.1.0/24");
    static final Host H3 = host("h3", "192.0.2.13", "10.200.2.0/24");
    static final Network APPNET = Network.newBuilder().setId("n1").setName("appnet").setSubnet("10.201.0.0/16").build();
    static final Network OTHERNET = Network.newBuilder().setId("n2").setName("othernet").setSubnet("10.202.0.0/16").build();
    static final TraceTargets TARGETS = new TraceTargets(List.of(H1, H3), List.of(
            endpoint("n1", "h1", "10.201.0.2", "app-h1"), endpoint("n1", "h3", "10.201.0.3", "app-h3"),
            endpoint("n2", "h3", "10.202.0.3", "oth-h3")), List.of(APPNET, OTHERNET));

    static Host host(String id, String underlay, String subnet) {
        return Host.newBuilder().setHostId(id).setUnderlayIp(underlay).setSubnet(subnet).setState(HostState.HOST_STATE_UP)
                .build();
    }

    static Endpoint endpoint(String network, String host, String address, String name) {
        return Endpoint.newBuilder().setNetworkId(network).setHostId(host).setAddress(address).setContainerName(name)
                .setContainerId(name + "0123456789").build();
    }

    static TraceTargets.Target resolve(String given) {
        return TARGETS.resolve("--to", given, name -> name.equals("h1-c1")
                ? List.of(new TraceTargets.Lookup(H1, "h1-c1", "bridge", Ipv4Address.parse("10.200.1.128")))
                : List.of());
    }

    @Test
    void namesAndAddressesResolveToTheirHostAndNetwork() {
        TraceTargets.Target app = resolve("app-h3");
        assertEquals("h3", app.host().getHostId());
        assertEquals("appnet", app.networkName());
        assertEquals("10.201.0.3", app.address().toString());
        TraceTargets.Target docker0 = resolve("10.200.2.7");
        assertEquals("h3", docker0.host().getHostId());
        assertTrue(docker0.onDocker0());
        TraceTargets.Target byDocker = resolve("h1-c1");
        assertEquals("h1-c1 (10.200.1.128, docker0 on h1)", byDocker.describe());
        InvalidInputException unknown = assertThrows(InvalidInputException.class, () -> resolve("nosuch"));
        assertTrue(unknown.getMessage().contains("no container named 'nosuch'"), unknown.getMessage());
        InvalidInputException outside = assertThrows(InvalidInputException.class, () -> resolve("192.0.2.100"));
        assertTrue(outside.getMessage().contains("in no host's docker0 subnet"), outside.getMessage());
    }

    static TraceResponse hop(String host, TraceVerdict verdict) {
        return TraceResponse.newBuilder().setHostId(host).setBridge("br0").setVerdict(verdict).build();
    }

    @Test
    void aTunnelledPacketIsFollowedOnThePeerAsItArrivesFromTheTunnel() {
        List<String> asked = new ArrayList<>();
        TraceWalk.Path path = TraceWalk.walk(TARGETS, resolve("app-h1"), resolve("app-h3"), "tcp", 80, (h, r) -> {
            asked.add(h.getHostId() + " " + r.getFromTunnel() + " " + r.getTunnelSrc() + " 0x" + Long.toHexString(r.getTunnelId()));
            return h == H1 ? hop("h1", TraceVerdict.newBuilder().setKind(TraceVerdict.Kind.TUNNEL).setTunnelId(0x1000)
                    .setTunnelDst("192.0.2.13").setPeerHostId("h3").setOutPort("ofx-gre (2)").build())
                    : hop("h3", TraceVerdict.newBuilder().setKind(TraceVerdict.Kind.DELIVERED).setOutPort("ofxha (3)")
                    .setOutPortRole("endpoint of container app-h3").build());
        });
        assertEquals(List.of("h1 false  0x0", "h3 true 192.0.2.11 0x1000"), asked);
        assertEquals(TraceWalk.Outcome.DELIVERED, path.outcome());
        assertEquals("h3", path.outcomeHost());
        StringWriter text = new StringWriter();
        TraceReport.text(new PrintWriter(text), path);
        assertTrue(text.toString().contains("=> GRE tunnel ofx-gre (2), key 0x1000, to 192.0.2.13 (host h3)"), text.toString());
        assertTrue(text.toString().contains("result: DELIVERED on host h3 to app-h3 (10.201.0.3, appnet on h3) through"
                + " port ofxha (3) (path h1 -> GRE -> h3)"), text.toString());
    }

    @Test
    void aDropEndsTheWalkWithTheFlowsReasonAndTheNetworks() {
        TraceStep drop = TraceStep.newBuilder().setTable(30).setPriority(50).setMatch("ip,metadata=0x1000,nw_dst=10.202.0.0/16")
                .setCookie(0xfab070001000000L).setCategory("NETWORK_ISOLATION").setMeaning("different network: ...").build();
        TraceWalk.Path path = TraceWalk.walk(TARGETS, resolve("app-h1"), resolve("oth-h3"), "icmp", 0, (h, r) ->
                hop(h.getHostId(), TraceVerdict.newBuilder().setKind(TraceVerdict.Kind.DROPPED).setDropFlow(drop)
                        .setReason("different network: ...").build()));
        assertEquals(TraceWalk.Outcome.DROPPED, path.outcome());
        assertEquals(1, path.hops().size());
        assertEquals("DROPPED on host h1: different network: ... (appnet -> othernet)", TraceReport.result(path));
    }

    @Test
    void fromDocker0ToAUserNetworkTheHostDecidesAndNoAgentIsAsked() {
        TraceWalk.Path path = TraceWalk.walk(TARGETS, resolve("h1-c1"), resolve("app-h3"), "icmp", 0, (h, r) -> {
            throw new AssertionError("br0 never sees it");
        });
        assertEquals(TraceWalk.Outcome.DROPPED, path.outcome());
        assertTrue(path.reason().startsWith("different network"), path.reason());
    }

    @Test
    void aTunnelToAnUnknownAddressIsReportedAsLost() {
        TraceWalk.Path path = TraceWalk.walk(TARGETS, resolve("app-h1"), resolve("app-h3"), "icmp", 0, (h, r) ->
                hop("h1", TraceVerdict.newBuilder().setKind(TraceVerdict.Kind.TUNNEL).setTunnelDst("192.0.2.99").build()));
        assertEquals(TraceWalk.Outcome.LOST, path.outcome());
        assertTrue(path.reason().contains("192.0.2.99, which is no host"), path.reason());
    }
}
