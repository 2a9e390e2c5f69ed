package io.ovsfabric.agent.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.testing.PrometheusText;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TunnelMetricsTest {
    private static PeerStatus status(String peer, TunnelState state, long sent, long lost) {
        return new PeerStatus(HostId.of(peer), Ipv4Address.parse("10.200.2.1"), state, 0, 0, Optional.empty(),
                Optional.empty(), 0, 0, sent, lost);
    }

    @Test
    void perPeerSeriesWithPrometheusNamesAndTheyGoWithThePeer() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TunnelMetrics metrics = new TunnelMetrics(registry);
        metrics.peersChanged(List.of(status("h2", TunnelState.PENDING, 0, 0), status("h3", TunnelState.PENDING, 0, 0)));
        metrics.probed(List.of(status("h2", TunnelState.HEALTHY, 10, 1), status("h3", TunnelState.BROKEN, 10, 7)));
        metrics.answered(HostId.of("h2"), Duration.ofNanos(600_000));
        PrometheusText text = PrometheusText.parse(registry.scrape());
        assertEquals(1.0, text.value("ovsfabric_agent_tunnel_up", "peer", "h2"));
        assertEquals(0.0, text.value("ovsfabric_agent_tunnel_up", "peer", "h3"));
        assertEquals(10.0, text.value("ovsfabric_agent_tunnel_probes_sent_total", "peer", "h3"));
        assertEquals(7.0, text.value("ovsfabric_agent_tunnel_probes_lost_total", "peer", "h3"));
        assertEquals(1.0, text.value("ovsfabric_agent_tunnel_rtt_seconds_count", "peer", "h2"));
        assertEquals(1.0, text.value("ovsfabric_agent_tunnel_rtt_seconds_bucket", "peer", "h2", "le", "0.001"));

        metrics.peersChanged(List.of(status("h2", TunnelState.HEALTHY, 11, 1)));   // h3 left the topology
        String after = registry.scrape();
        assertFalse(after.contains("peer=\"h3\""), after);
        assertTrue(after.contains("ovsfabric_agent_tunnel_up{peer=\"h2\"} 1"), after);
    }
}
