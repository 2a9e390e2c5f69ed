package io.ovsfabric.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ovsfabric.agent.dataplane.DataPlaneConfig;
import io.ovsfabric.agent.dataplane.OvsDataPlane;
import io.ovsfabric.agent.model.DataPlane;
import io.ovsfabric.agent.plan.DatapathMode;
import io.ovsfabric.agent.plan.InterfaceAddress;
import io.ovsfabric.agent.plan.Route;
import io.ovsfabric.agent.plan.Topologies;
import io.ovsfabric.agent.testing.FakeDataPlane;
import io.ovsfabric.agent.testing.FakeFlowTable;
import io.ovsfabric.agent.testing.FakeHostNetwork;
import io.ovsfabric.agent.testing.FakeOvsDatabase;
import io.ovsfabric.agent.testing.FakePacketFilter;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.testing.PrometheusText;
import org.junit.jupiter.api.Test;

class AgentMetricsTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AgentMetrics metrics = new AgentMetrics(registry);

    private PrometheusText scrape() {
        return PrometheusText.parse(registry.scrape());
    }

    @Test
    void aRealPassOnFakesCountsChangesFlowsPortsTunnelsAndPeers() {
        FakeHostNetwork host = new FakeHostNetwork()
                .device("lo", "", 65536, null, InterfaceAddress.parse("127.0.0.1/8"))
                .device("eth1", "veth", 1500, null, InterfaceAddress.parse("192.0.2.11/24"))
                .route(new Route(Cidr.parse("0.0.0.0/0"), Ipv4Address.parse("192.0.2.1"), "eth1"));
        FakeFlowTable flows = new FakeFlowTable();
        OvsDataPlane ovs = OvsDataPlane.create(DataPlaneConfig.defaults(Topologies.underlay(1)), DatapathMode.NETDEV,
                new FakeOvsDatabase(host, flows), flows, host, new FakePacketFilter());
        ovs.useMetrics(metrics);
        DataPlane measured = metrics.meter(ovs);

        measured.reconcile(Topologies.of(1, 3));
        measured.reconcile(Topologies.of(1, 3));   // in sync: a pass, no change

        PrometheusText text = scrape();
        assertEquals(2.0, text.value("ovsfabric_agent_reconcile_passes_total", "result", "ok"));
        assertEquals(0.0, text.value("ovsfabric_agent_reconcile_passes_total", "result", "failed"));
        assertEquals(2.0, text.value("ovsfabric_agent_reconcile_duration_seconds_count"));
        assertEquals(2.0, text.value("ovsfabric_agent_peers"));
        assertEquals(2.0, text.value("ovsfabric_agent_tunnels"), "one GRE destination per peer");
        assertEquals(flows.ownedFlows("br0").size() + flows.ownedFlows("br-phy").size(), (int) text.value("ovsfabric_agent_flows"));
        assertTrue(text.value("ovsfabric_agent_ports") >= 2, "br0's tunnel and docker0 ports at least");
        assertTrue(text.value("ovsfabric_agent_changes_applied_total", "kind", "EnsureBridge") >= 2);
        assertTrue(text.value("ovsfabric_agent_changes_applied_total", "kind", "UpdateFlows") >= 1);
        assertTrue(text.value("ovsfabric_agent_reconcile_last_timestamp_seconds", "result", "ok") > 1.7e9);
        assertEquals(0.0, text.value("ovsfabric_agent_reconcile_last_timestamp_seconds", "result", "failed"));
    }

    @Test
    void aFailedPassIsCountedAndRethrown() {
        FakeDataPlane fake = new FakeDataPlane();
        fake.failWith(new IllegalStateException("ovsdb down"));
        DataPlane measured = metrics.meter(fake);
        assertThrows(IllegalStateException.class, () -> measured.reconcile(Topologies.of(1, 2)));
        PrometheusText text = scrape();
        assertEquals(1.0, text.value("ovsfabric_agent_reconcile_passes_total", "result", "failed"));
        assertTrue(text.value("ovsfabric_agent_reconcile_last_timestamp_seconds", "result", "failed") > 1.7e9);
        assertEquals(0.0, text.value("ovsfabric_agent_peers"), "nothing applied");
    }

    @Test
    void pluginCallsAndDnsAreCountedWithBoundedLabels() {
        metrics.pluginCall("/NetworkDriver.Join", "ok");
        metrics.pluginCall("/NetworkDriver.Join", "refused");
        metrics.pluginCall("/../../etc/passwd", "refused");
        metrics.dnsQuery("fabric");
        metrics.dnsQuery("forwarded");
        metrics.dnsForward(true);
        metrics.dnsForward(false);
        PrometheusText text = scrape();
        assertEquals(1.0, text.value("ovsfabric_agent_plugin_calls_total", "method", "NetworkDriver.Join", "result", "ok"));
        assertEquals(1.0, text.value("ovsfabric_agent_plugin_calls_total", "method", "NetworkDriver.Join", "result", "refused"));
        assertEquals(1.0, text.value("ovsfabric_agent_plugin_calls_total", "method", "other", "result", "refused"));
        assertEquals(1.0, text.value("ovsfabric_agent_dns_queries_total", "result", "fabric"));
        assertEquals(1.0, text.value("ovsfabric_agent_dns_forwards_total", "result", "failed"));
    }

    @Test
    void noneCountsNothingAndNeverFails() {
        AgentMetrics none = AgentMetrics.none();
        none.pluginCall("/Plugin.Activate", "ok");
        none.dnsForward(true);
        none.meter(new FakeDataPlane()).reconcile(Topologies.of(1, 2));
    }
}
