package io.ovsfabric.agent.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.plan.DatapathMode;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.testing.EtcdExtension;
import io.ovsfabric.common.testing.Poll;
import io.ovsfabric.common.testing.PrometheusText;
import io.ovsfabric.controller.cli.ControllerConfig;
import io.ovsfabric.controller.ipam.PlanRequest;
import io.ovsfabric.controller.wiring.Controller;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real controller and a real agent ({@link AgentWiring}, no Docker) with --metrics-listen: both /metrics parse as
 * Prometheus text line by line and carry the fabric's names. The agent's OVSDB address is a closed port, so its
 * passes fail (and are counted as such) before they touch anything on this machine.
 */
class MetricsScrapeIT {
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension("metrics");

    @TempDir
    Path tmp;

    private static PrometheusText scrape(InetSocketAddress address) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + address.getPort() + "/metrics")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        return PrometheusText.parse(r.body());   // fails on any line that is neither a comment nor name{labels} value
    }

    @Test
    void controllerAndAgentMetricsParseWithTheFabricsNames() throws Exception {
        try (Controller controller = Controller.start(new ControllerConfig(List.of(ETCD.endpoint()), "127.0.0.1", 0,
                new PlanRequest("10.200.0.0/16", 24, null, null, Duration.ofSeconds(2), Duration.ofMinutes(10)),
                ETCD.uniquePrefix(), "metrics-it").withMetricsListen(new InetSocketAddress("127.0.0.1", 0)));
                AgentWiring agent = AgentWiring.start(new AgentWiring.Config("127.0.0.1:" + controller.port(),
                        HostId.of("m1"), Ipv4Address.parse("192.0.2.201"),
                        new DataPlaneSettings("tcp:127.0.0.1:1", tmp.resolve("ovs"), Optional.empty(),
                                Ipv4Address.parse("192.0.2.201"), DatapathMode.NETDEV),
                        tmp.resolve("state"), tmp.resolve("plugins"), Duration.ofSeconds(30), Optional.empty(),
                        Optional.of(new InetSocketAddress("127.0.0.1", 0))))) {
            InetSocketAddress agentMetrics = agent.metricsAddress().orElseThrow();
            InetSocketAddress controllerMetrics = controller.metricsAddress().orElseThrow();

            Poll.until("the agent registered and tried a pass", Duration.ofSeconds(30), () -> {
                try {
                    return scrape(agentMetrics).value("ovsfabric_agent_reconcile_passes_total", "result", "failed") >= 1
                            && scrape(controllerMetrics).value("ovsfabric_controller_hosts", "state", "up") == 1;
                } catch (Exception e) {
                    return false;
                }
            });

            PrometheusText c = scrape(controllerMetrics);
            for (String name : List.of("ovsfabric_build_info", "ovsfabric_controller_hosts", "ovsfabric_controller_subnets",
                    "ovsfabric_controller_allocations_total", "ovsfabric_controller_rpc_duration_seconds_bucket",
                    "ovsfabric_controller_rpc_duration_seconds_count", "ovsfabric_controller_watchers",
                    "ovsfabric_controller_etcd_request_duration_seconds_bucket", "ovsfabric_controller_leader",
                    "ovsfabric_controller_tunnels")) {
                assertTrue(c.has(name), name + " missing from the controller's /metrics");
            }
            assertEquals(1.0, c.value("ovsfabric_controller_allocations_total", "kind", "subnet"));
            assertEquals(1.0, c.value("ovsfabric_controller_rpc_duration_seconds_count", "method", "Register", "code", "ok"));
            assertEquals(1.0, c.value("ovsfabric_controller_watchers"), "the agent's topology stream");
            assertEquals(1.0, c.value("ovsfabric_controller_subnets", "state", "held"));

            PrometheusText a = scrape(agentMetrics);
            for (String name : List.of("ovsfabric_build_info", "ovsfabric_agent_reconcile_passes_total",
                    "ovsfabric_agent_reconcile_duration_seconds_bucket", "ovsfabric_agent_reconcile_last_timestamp_seconds",
                    "ovsfabric_agent_flows", "ovsfabric_agent_ports", "ovsfabric_agent_tunnels", "ovsfabric_agent_peers",
                    "ovsfabric_agent_topology_revision", "ovsfabric_agent_dns_queries_total", "ovsfabric_agent_dns_forwards_total")) {
                assertTrue(a.has(name), name + " missing from the agent's /metrics");
            }
            assertEquals(1.0, a.value("ovsfabric_build_info", "app", "agent"));
            assertTrue(a.value("ovsfabric_agent_reconcile_last_timestamp_seconds", "result", "failed") > 1.7e9);
        }
    }
}
