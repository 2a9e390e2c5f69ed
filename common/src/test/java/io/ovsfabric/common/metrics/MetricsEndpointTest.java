package io.ovsfabric.common.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.common.testing.PrometheusText;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {

    @Test
    void servesPrometheusTextWithUnitsAndTotals() throws Exception {
        PrometheusMeterRegistry registry = Registries.prometheus("test", "1.2.3");
        Counter.builder("ovsfabric.test.things").tag("result", "ok").register(registry).increment(3);
        Registries.latency("ovsfabric.test.call.duration", "how long").tag("method", "Get").register(registry)
                .record(Duration.ofMillis(7));
        AtomicInteger refreshed = new AtomicInteger();
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0), registry,
                refreshed::incrementAndGet)) {
            HttpResponse<String> response = get(endpoint, "/metrics");
            assertEquals(200, response.statusCode());
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            PrometheusText text = PrometheusText.parse(response.body());
            assertEquals(3.0, text.value("ovsfabric_test_things_total", "result", "ok"));
            assertEquals(1.0, text.value("ovsfabric_build_info", "app", "test", "version", "1.2.3"));
            assertEquals(1.0, text.value("ovsfabric_test_call_duration_seconds_count", "method", "Get"));
            assertEquals(1.0, text.value("ovsfabric_test_call_duration_seconds_bucket", "method", "Get", "le", "0.01"));
            assertEquals(0.0, text.value("ovsfabric_test_call_duration_seconds_bucket", "method", "Get", "le", "0.005"));
            assertEquals(1, refreshed.get());
            assertEquals(404, get(endpoint, "/").statusCode());
        }
    }

    @Test
    void aFailingRefreshStillAnswers() throws Exception {
        PrometheusMeterRegistry registry = Registries.prometheus("test", "0");
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0), registry, () -> {
            throw new IllegalStateException("etcd down");
        })) {
            assertEquals(200, get(endpoint, "/metrics").statusCode());
        }
    }

    @Test
    void parsesListenAddresses() {
        assertEquals(new InetSocketAddress("127.0.0.1", 9090), MetricsEndpoint.parseListen("--metrics-listen", "127.0.0.1:9090"));
        assertEquals(9091, MetricsEndpoint.parseListen("--metrics-listen", "0.0.0.0:9091").getPort());
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> MetricsEndpoint.parseListen("--metrics-listen", "9090"));
        assertTrue(e.getMessage().contains("--metrics-listen: '9090' is not HOST:PORT"), e.getMessage());
        assertThrows(InvalidInputException.class, () -> MetricsEndpoint.parseListen("--metrics-listen", "h:99999"));
        assertThrows(InvalidInputException.class, () -> MetricsEndpoint.parseListen("--metrics-listen", "h:x"));
    }

    @Test
    void theParserRejectsWhatIsNotTheFormat() {
        PrometheusText ok = PrometheusText.parse("# HELP a x\n# TYPE a counter\na_total{k=\"v\",l=\"w\\\"q\"} 1.0\nb 2\n");
        assertEquals(2, ok.samples().size());
        assertThrows(AssertionError.class, () -> PrometheusText.parse("a{k=v} 1\n"));
        assertThrows(AssertionError.class, () -> PrometheusText.parse("a b c d\n"));
        assertThrows(AssertionError.class, () -> PrometheusText.parse("9a 1\n"));
    }

    private static HttpResponse<String> get(MetricsEndpoint endpoint, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + endpoint.address().getPort() + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
