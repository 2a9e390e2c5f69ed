package io.ovsfabric.controller.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.metrics.MetricsEndpoint;
import io.ovsfabric.controller.model.HostRecord;
import io.ovsfabric.controller.store.TopologyRepository;
import io.ovsfabric.controller.topology.TopologyFeed;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The page's HTTP side on loopback, fed by a real {@link TopologyFeed} (its watch-cache calls made by hand). */
class PageServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final TopologyFeed feed = new TopologyFeed(PageFixture.GRACE, TopologyFeed.DEFAULT_HISTORY, Runnable::run);
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final HttpClient http = HttpClient.newHttpClient();
    private PageFeed page;
    private PageServer server;

    private void start() {
        registry.counter("ovsfabric_test_total").increment();
        page = new PageFeed(feed, TunnelHealthSource.fromHostStates(), "c1", Clock.systemUTC()).start();
        server = PageServer.start(new InetSocketAddress("127.0.0.1", 0), page, MetricsEndpoint.handler(registry, () -> { }));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
            page.close();
        }
        feed.close();
    }

    private static List<TopologyRepository.Entry> hosts(String... ids) {
        List<TopologyRepository.Entry> entries = new ArrayList<>();
        entries.add(new TopologyRepository.PlanEntry(PageFixture.PLAN));
        for (int i = 0; i < ids.length; i++) {
            entries.add(new TopologyRepository.HostEntry(new HostId(ids[i]), Optional.of(PageFixture.record(ids[i], i + 1))));
            entries.add(new TopologyRepository.LiveEntry(new HostId(ids[i]), true));
        }
        return entries;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Polls /api/topology until {@code until} holds (with a deadline). */
    private JsonNode awaitTopology(java.util.function.Predicate<JsonNode> until) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = JSON.readTree(get("/api/topology").body());
            if (until.test(last)) {
                return last;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("the page never got there; last: " + last);
    }

    @Test
    void servesThePageItsDataAndMetricsOnOneAddress() throws Exception {
        start();
        JsonNode loading = awaitTopology(t -> !t.get("stale").isNull());
        assertTrue(loading.get("stale").asText().contains("still loading"), loading.toString());

        feed.onReset(new TopologyRepository.Snapshot(7, hosts("h1", "h2", "h3")));
        JsonNode live = awaitTopology(t -> t.get("revision").asLong() == 7);
        assertTrue(live.get("stale").isNull());
        assertEquals(3, live.get("hosts").size());
        assertEquals(3, live.get("tunnels").size());

        HttpResponse<String> index = get("/");
        assertEquals(200, index.statusCode());
        assertTrue(index.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(index.body().contains("<script src=\"page.js\">"));
        assertEquals("default-src 'self'", index.headers().firstValue("Content-Security-Policy").orElse(""));
        for (String file : new String[] {"/", "/page.js", "/page.css"}) {
            HttpResponse<String> r = get(file);
            assertEquals(200, r.statusCode(), file);
            String body = r.body().replace("'http://www.w3.org/2000/svg'", "");   // SVG's namespace name, never fetched
            assertFalse(body.contains("http://") || body.contains("https://") || body.contains("//cdn"),
                    file + " must not load anything from elsewhere");
        }
        HttpResponse<String> metrics = get("/metrics");
        assertEquals(200, metrics.statusCode());
        assertEquals(MetricsEndpoint.CONTENT_TYPE, metrics.headers().firstValue("Content-Type").orElse(""));
        assertTrue(metrics.body().contains("ovsfabric_test_total 1.0"), metrics.body());
        assertEquals(404, get("/nothing").statusCode());
        assertEquals(404, get("/metrics/x").statusCode());
    }

    @Test
    void eventsStreamTheWholePageAgainAfterEachChange() throws Exception {
        start();
        feed.onReset(new TopologyRepository.Snapshot(7, hosts("h1", "h2", "h3")));
        awaitTopology(t -> t.get("revision").asLong() == 7);

        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        HttpResponse<Stream<String>> stream = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.address().getPort() + "/events")).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, stream.statusCode());
        assertEquals("text/event-stream; charset=utf-8", stream.headers().firstValue("Content-Type").orElse(""));
        Thread reader = new Thread(() -> stream.body().forEach(lines::add), "sse-reader");
        reader.setDaemon(true);
        reader.start();

        assertEquals("retry: 2000", lines.poll(20, TimeUnit.SECONDS));
        JsonNode first = nextMessage(lines);
        assertEquals(7, first.get("revision").asLong());
        assertEquals(1, server.viewers());

        // h3's lease expires: its live key goes away
        HostRecord h3 = PageFixture.record("h3", 3);
        feed.onEntries(8, List.of(new TopologyRepository.LiveEntry(h3.hostId(), false),
                new TopologyRepository.HostEntry(h3.hostId(), Optional.of(h3.markedDown(9000)))));
        JsonNode second = nextMessage(lines);
        assertEquals(8, second.get("revision").asLong());
        assertEquals("DOWN", second.at("/hosts/2/state").asText());
        assertEquals("broken", second.at("/tunnels/1/state").asText(), second.get("tunnels").toString());
        assertEquals("h3 is DOWN (was UP): its lease expired", second.at("/events/0/text").asText());

        // the controller's watch breaks: the page says so rather than showing old data as live
        feed.onStale(new io.ovsfabric.controller.FabricException(io.ovsfabric.controller.FabricException.Code.UNAVAILABLE,
                "etcd watch lost"));
        JsonNode stale = nextMessage(lines);
        assertEquals("etcd watch lost", stale.get("stale").asText());
        feed.onReset(new TopologyRepository.Snapshot(9, hosts("h1", "h2")));
        JsonNode back = nextMessage(lines);
        while (back.get("revision").asLong() != 9 || !back.get("stale").isNull()) {
            back = nextMessage(lines);
        }
        assertEquals(2, back.get("hosts").size());
        assertTrue(back.at("/events/0/text").asText().startsWith("h3 removed"), back.get("events").toString());
        reader.interrupt();
    }

    /** The next {@code topology} message's data. */
    private static JsonNode nextMessage(BlockingQueue<String> lines) throws Exception {
        String event = null;
        StringBuilder data = new StringBuilder();
        while (true) {
            String line = lines.poll(20, TimeUnit.SECONDS);
            assertNotNull(line, "no SSE message within 20 s");
            if (line.isEmpty()) {
                if ("topology".equals(event)) {
                    return JSON.readTree(data.toString());
                }
                event = null;
                data.setLength(0);
            } else if (line.startsWith("event: ")) {
                event = line.substring(7);
            } else if (line.startsWith("data: ")) {
                data.append(line.substring(6));
            }
        }
    }
}
