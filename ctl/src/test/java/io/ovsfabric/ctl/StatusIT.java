package io.ovsfabric.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ovsfabric.common.metrics.MetricsEndpoint;
import io.ovsfabric.common.testing.EtcdExtension;
import io.ovsfabric.common.testing.Poll;
import io.ovsfabric.common.testing.PrometheusText;
import io.ovsfabric.controller.cli.ControllerConfig;
import io.ovsfabric.controller.ipam.PlanRequest;
import io.ovsfabric.controller.wiring.Controller;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import io.ovsfabric.proto.v1.RegisterRequest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code ovsfabricctl status} and the controller's {@code /metrics} against a real controller and etcd, with an
 * agent's {@code /metrics} served on this machine's own (non-loopback) address.
 */
class StatusIT {
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension("status");

    record Run(int exit, String out, String err) {}

    private static Run ctl(String address, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] full = new String[args.length + 3];
        full[0] = "--insecure";   // a plaintext test controller (mTLS is covered by SecurityIT)
        full[1] = "--controller";
        full[2] = address;
        System.arraycopy(args, 0, full, 3, args.length);
        int exit = CtlMain.run(full, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void statusIsHealthyThenNamesADownHostAndAFailedPassAndTheMetricsFollow() throws Exception {
        Optional<String> local = localAddress();
        assumeTrue(local.isPresent(), "needs a non-loopback IPv4 address on this machine");
        PrometheusMeterRegistry agentRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        AtomicLong lastOk = new AtomicLong(System.currentTimeMillis() / 1000);
        AtomicLong lastFailed = new AtomicLong();
        Gauge.builder("ovsfabric.agent.reconcile.last.timestamp.seconds", lastOk, AtomicLong::get).tag("result", "ok").register(agentRegistry);
        Gauge.builder("ovsfabric.agent.reconcile.last.timestamp.seconds", lastFailed, AtomicLong::get).tag("result", "failed").register(agentRegistry);
        Gauge.builder("ovsfabric.agent.tunnels", () -> 0).register(agentRegistry);
        Counter.builder("ovsfabric.agent.reconcile.passes").tag("result", "ok").register(agentRegistry).increment();

        try (Controller controller = Controller.start(new ControllerConfig(List.of(ETCD.endpoint()), "127.0.0.1", 0,
                new PlanRequest("10.200.0.0/16", 24, null, null, Duration.ofSeconds(2), Duration.ofMinutes(10)),
                ETCD.uniquePrefix(), "status-it").withMetricsListen(new InetSocketAddress("127.0.0.1", 0)));
                MetricsEndpoint agent = MetricsEndpoint.start(new InetSocketAddress(local.get(), 0), agentRegistry, () -> { })) {
            String address = "127.0.0.1:" + controller.port();
            String agentPort = String.valueOf(agent.address().getPort());
            Poll.until("the controller leads", Duration.ofSeconds(15), controller::isLeader);

            Run empty = ctl(address, "status", "--agent-metrics-port", agentPort);
            assertEquals(0, empty.exit(), empty.out() + empty.err());
            assertTrue(empty.out().contains("leader:      status-it"), empty.out());
            assertTrue(empty.out().contains("etcd:        healthy (revision "), empty.out());
            assertTrue(empty.out().contains("hosts:       0 up, 0 down, 0 reserved"), empty.out());
            assertTrue(empty.out().contains("healthy: nothing needs an operator"), empty.out());

            ManagedChannel channel = Grpc.newChannelBuilder(address, InsecureChannelCredentials.create()).build();
            try {
                FabricServiceGrpc.newBlockingStub(channel).register(RegisterRequest.newBuilder().setHostId("st-1")
                        .setUnderlayIp(local.get()).putCapabilities("agent_version", "0.1.0").putCapabilities("datapath", "netdev").build());
            } finally {
                channel.shutdownNow();
            }
            Run up = ctl(address, "status", "--agent-metrics-port", agentPort);
            assertEquals(0, up.exit(), up.out() + up.err());
            assertTrue(up.out().contains("hosts:       1 up, 0 down, 0 reserved"), up.out());
            assertTrue(up.out().matches("(?s).*st-1\\s+UP\\s+" + local.get().replace(".", "\\.") + "\\s+10\\.200\\.1\\.0/24\\s+0/0\\s+-\\s+-\\s+ok \\d+s ago \\(rev 0\\)\\s+0\\.1\\.0\\s+-\\s+netdev.*"), up.out());

            lastFailed.set(lastOk.get() + 1);   // the agent's last pass failed
            Run failed = ctl(address, "status", "--agent-metrics-port", agentPort, "-o", "json");
            assertEquals(1, failed.exit(), failed.out() + failed.err());
            JsonNode json = new ObjectMapper().readTree(failed.out());
            assertEquals(false, json.get("healthy").asBoolean());
            assertTrue(json.get("problems").get(0).asText().contains("host st-1: the agent's last reconcile pass failed"), failed.out());
            assertTrue(json.get("hosts").get(0).get("agent").get("last_reconcile").asText().startsWith("failed"), failed.out());

            // no keep-alive: the lease (2 s) expires and the leader marks st-1 DOWN
            Poll.until("st-1 turns DOWN", Duration.ofSeconds(20), () -> ctl(address, "hosts").out().contains("DOWN"));
            Run down = ctl(address, "status", "--agent-metrics-port", "0");
            assertEquals(1, down.exit(), down.out() + down.err());
            assertTrue(down.out().contains("hosts:       0 up, 1 down, 0 reserved"), down.out());
            assertTrue(down.out().contains("needs an operator:\n  - host st-1 is DOWN since "), down.out());

            // the controller's own /metrics saw all of it
            String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + controller.metricsAddress().orElseThrow().getPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            PrometheusText metrics = PrometheusText.parse(text);
            assertEquals(1.0, metrics.value("ovsfabric_controller_hosts", "state", "down"));
            assertEquals(0.0, metrics.value("ovsfabric_controller_hosts", "state", "up"));
            assertEquals(1.0, metrics.value("ovsfabric_controller_subnets", "state", "held"));
            assertEquals(254.0, metrics.value("ovsfabric_controller_subnets", "state", "free"));
            assertEquals(1.0, metrics.value("ovsfabric_controller_leader"));
            assertEquals(1.0, metrics.value("ovsfabric_controller_allocations_total", "kind", "subnet"));
            assertTrue(metrics.value("ovsfabric_controller_rpc_duration_seconds_count", "method", "ListHosts", "code", "ok") >= 4);
            assertTrue(metrics.value("ovsfabric_controller_etcd_request_duration_seconds_count", "op", "txn") >= 1);
            assertTrue(metrics.has("ovsfabric_controller_watchers"), text);
        }
        Run gone = ctl("127.0.0.1:1", "status");
        assertEquals(3, gone.exit(), gone.out() + gone.err());
        assertTrue(gone.err().contains("cannot reach the controller at 127.0.0.1:1"), gone.err());
    }

    private static Optional<String> localAddress() throws Exception {
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nif.isUp() || nif.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()
                        && !a.getHostAddress().startsWith("10.200.")) {
                    return Optional.of(a.getHostAddress());
                }
            }
        }
        return Optional.empty();
    }
}
