package io.ovsfabric.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.proto.v1.Host;
import io.ovsfabric.proto.v1.HostState;
import io.ovsfabric.proto.v1.HostTunnels;
import io.ovsfabric.proto.v1.PeerTunnel;
import io.ovsfabric.proto.v1.TunnelState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code status} makes of the hosts' tunnel reports (pure: no controller). */
class StatusTunnelsTest {
    private static final long NOW = 1_800_000_000_000L;
    private static final StatusCommand.EtcdJson ETCD = new StatusCommand.EtcdJson(true, 7, null);
    private static final StatusCommand.IpamJson IPAM = new StatusCommand.IpamJson(null, 0, 0, 0, List.of(), List.of());

    private static Host host(int n, HostState state) {
        return Host.newBuilder().setHostId("h" + n).setUnderlayIp("192.0.2." + (10 + n)).setSubnet("10.200." + n + ".0/24")
                .setState(state).build();
    }

    private static PeerTunnel peer(int n, TunnelState state) {
        return PeerTunnel.newBuilder().setPeerHostId("h" + n).setPeerAddress("10.200." + n + ".1").setState(state)
                .setStateSinceUnixMs(NOW - 4000).setLastAnswerUnixMs(NOW - 5000).setLastRttMicros(420).setMedianRttMicros(510)
                .setWindowSent(60).setWindowLost(state == TunnelState.TUNNEL_STATE_BROKEN ? 4 : 0).build();
    }

    private static HostTunnels report(int n, PeerTunnel... peers) {
        return HostTunnels.newBuilder().setHostId("h" + n).setReceivedAtUnixMs(NOW - 1000).setBrokenAfter(3)
                .setProbeIntervalMs(1000).addAllPeers(List.of(peers)).build();
    }

    private static StatusCommand.StatusJson judge(List<Host> hosts, Map<String, HostTunnels> reports) {
        return StatusCommand.judge("10.200.0.0/16", "c1", "c1", ETCD, hosts, IPAM, Map.of(), reports, null, NOW);
    }

    @Test
    void allHealthyIsHealthy() {
        List<Host> hosts = List.of(host(1, HostState.HOST_STATE_UP), host(2, HostState.HOST_STATE_UP));
        StatusCommand.StatusJson s = judge(hosts, Map.of("h1", report(1, peer(2, TunnelState.TUNNEL_STATE_HEALTHY)),
                "h2", report(2, peer(1, TunnelState.TUNNEL_STATE_HEALTHY))));
        assertTrue(s.healthy(), s.problems().toString());
        assertEquals(1L, s.hosts().get(0).tunnelsHealthy());
        assertEquals(0.51, s.hosts().get(0).tunnels().get(0).medianRttMs());
    }

    @Test
    void aBrokenTunnelToAnUpHostNeedsAnOperatorAndIsShown() {
        List<Host> hosts = List.of(host(1, HostState.HOST_STATE_UP), host(2, HostState.HOST_STATE_UP), host(3, HostState.HOST_STATE_UP));
        StatusCommand.StatusJson s = judge(hosts, Map.of(
                "h1", report(1, peer(2, TunnelState.TUNNEL_STATE_BROKEN), peer(3, TunnelState.TUNNEL_STATE_HEALTHY)),
                "h2", report(2, peer(1, TunnelState.TUNNEL_STATE_BROKEN), peer(3, TunnelState.TUNNEL_STATE_BROKEN)),
                "h3", report(3, peer(1, TunnelState.TUNNEL_STATE_HEALTHY), peer(2, TunnelState.TUNNEL_STATE_BROKEN))));
        assertEquals(false, s.healthy());
        assertEquals(3, s.problems().size(), s.problems().toString());
        assertTrue(s.problems().get(0).startsWith("host h1: tunnel to h2 (192.0.2.12, since 4s ago, last RTT 0.42 ms) BROKEN"),
                s.problems().get(0));
        assertTrue(s.problems().get(1).startsWith("host h2: tunnels to h1 (192.0.2.11"), s.problems().get(1));
        assertTrue(s.problems().get(1).contains("between 192.0.2.12 and 192.0.2.11, 192.0.2.13"), s.problems().get(1));
        assertEquals(List.of("h1", "h3"), s.hosts().get(1).tunnelsBroken());
        assertEquals(0L, s.hosts().get(1).tunnelsHealthy());

        StringWriter text = new StringWriter();
        StatusCommand.print(new PrintWriter(text, true), s);
        String out = text.toString();
        assertTrue(out.matches("(?s).*HOST\\s+STATE\\s+UNDERLAY\\s+SUBNET\\s+TUNNELS\\s+BROKEN\\s+RTT\\s+LAST RECONCILE.*"), out);
        assertTrue(out.matches("(?s).*h1\\s+UP\\s+192\\.0\\.2\\.11\\s+10\\.200\\.1\\.0/24\\s+1/2\\s+h2\\s+0\\.51ms\\s.*"), out);
        assertTrue(out.matches("(?s).*h2\\s+UP\\s+192\\.0\\.2\\.12\\s+10\\.200\\.2\\.0/24\\s+0/2\\s+h1,h3\\s+-\\s.*"), out);
    }

    @Test
    void brokenTunnelsToADownHostAreThatHostsProblemAlone() {
        List<Host> hosts = List.of(host(1, HostState.HOST_STATE_UP), host(2, HostState.HOST_STATE_DOWN));
        StatusCommand.StatusJson s = judge(hosts, Map.of("h1", report(1, peer(2, TunnelState.TUNNEL_STATE_BROKEN))));
        assertEquals(1, s.problems().size(), s.problems().toString());
        assertTrue(s.problems().get(0).startsWith("host h2 is DOWN"), s.problems().get(0));
        assertEquals(List.of("h2"), s.hosts().get(0).tunnelsBroken());
    }

    @Test
    void missingOrStaleReportsAreNotesNotProblems() {
        List<Host> hosts = List.of(host(1, HostState.HOST_STATE_UP), host(2, HostState.HOST_STATE_UP));
        HostTunnels old = report(2, peer(1, TunnelState.TUNNEL_STATE_HEALTHY)).toBuilder().setReceivedAtUnixMs(NOW - 120_000)
                .setStale(true).build();
        // the controller judges staleness (it knows whether the host reports to it); an old copy it does not call stale
        // is a host heard by another controller, whose unchanged report is rewritten every 5 minutes
        HostTunnels notStale = old.toBuilder().setStale(false).build();
        assertEquals(1, judge(hosts, Map.of("h2", notStale)).notes().size());
        StatusCommand.StatusJson s = judge(hosts, Map.of("h2", old));
        assertTrue(s.healthy(), s.problems().toString());
        assertEquals(2, s.notes().size(), s.notes().toString());
        assertTrue(s.notes().get(0).startsWith("h1: no tunnel report"), s.notes().get(0));
        assertTrue(s.notes().get(1).startsWith("h2: its last tunnel report came 2m ago"), s.notes().get(1));
    }
}
