package io.ovsfabric.controller.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.ovsfabric.common.metrics.HttpListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's HTTP side ({@code --http-listen}) on the JDK's small HTTP server: the live topology page
 * ({@code /}, its script and style sheet, all from the jar), {@code /api/topology} (the page's JSON),
 * {@code /events} (the same JSON as Server-Sent Events, one message per change) and {@code /metrics}.
 * At most {@link #MAX_VIEWERS} {@code /events} streams are open at once; more get 503.
 */
public final class PageServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PageServer.class);
    public static final int MAX_VIEWERS = 32;
    /** A viewer with nothing new hears a comment this often, so a dead connection is noticed and closed. */
    private static final Duration KEEPALIVE = Duration.ofSeconds(15);
    private static final String RESOURCES = "/io/ovsfabric/controller/web/";
    private static final Map<String, String[]> FILES = Map.of(
            "/", new String[] {"index.html", "text/html; charset=utf-8"},
            "/index.html", new String[] {"index.html", "text/html; charset=utf-8"},
            "/page.js", new String[] {"page.js", "text/javascript; charset=utf-8"},
            "/page.css", new String[] {"page.css", "text/css; charset=utf-8"});

    private final HttpServer server;
    private final ExecutorService threads;
    private final PageFeed feed;
    private final Semaphore viewers = new Semaphore(MAX_VIEWERS);

    private PageServer(HttpServer server, ExecutorService threads, PageFeed feed) {
        this.server = server;
        this.threads = threads;
        this.feed = feed;
    }

    /**
     * Binds and serves now; {@code metrics} answers {@code /metrics}.
     *
     * @throws UncheckedIOException when the address cannot be bound
     */
    public static PageServer start(InetSocketAddress address, PageFeed feed, HttpHandler metrics) {
        HttpServer server = HttpListener.bind(address, 32, "the topology page", "--http-listen");
        ExecutorService threads = Executors.newCachedThreadPool(HttpListener.daemonThreads("page-http"));
        server.setExecutor(threads);
        PageServer page = new PageServer(server, threads, feed);
        server.createContext("/", page::handle);
        server.createContext("/metrics", metrics);
        server.start();
        return page;
    }

    /** The bound address (the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                send(exchange, 405, "text/plain; charset=utf-8", bytes("only GET here\n"));
            } else if ("/events".equals(path)) {
                events(exchange);
            } else if ("/api/topology".equals(path)) {
                PageFeed.Rendered r = feed.current();
                send(exchange, 200, "application/json", bytes(r == null ? "{}" : r.json()));
            } else if (FILES.containsKey(path)) {
                String[] file = FILES.get(path);
                try (InputStream in = PageServer.class.getResourceAsStream(RESOURCES + file[0])) {
                    if (in == null) {
                        throw new IllegalStateException("the controller jar lacks " + RESOURCES + file[0]);
                    }
                    send(exchange, 200, file[1], in.readAllBytes());
                }
            } else {
                send(exchange, 404, "text/plain; charset=utf-8", bytes("not here: the page is at /, its data at"
                        + " /api/topology and /events, metrics at /metrics\n"));
            }
        }
    }

    private void events(HttpExchange exchange) throws IOException {
        if (!viewers.tryAcquire()) {
            log.warn("topology page: refusing a viewer from {}: {} are watching already",
                    exchange.getRemoteAddress(), MAX_VIEWERS);
            send(exchange, 503, "text/plain; charset=utf-8", bytes("too many viewers (" + MAX_VIEWERS + "): try later\n"));
            return;
        }
        try {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            exchange.sendResponseHeaders(200, 0);
            if ("HEAD".equals(exchange.getRequestMethod())) {
                return;
            }
            OutputStream out = exchange.getResponseBody();
            out.write(bytes("retry: 2000\n\n"));
            long version = 0;
            while (!Thread.currentThread().isInterrupted()) {
                PageFeed.Rendered r = version == 0 ? feed.current() : feed.awaitNewer(version, KEEPALIVE);
                if (r == null && version == 0) {
                    r = feed.awaitNewer(0, KEEPALIVE);
                }
                if (r == null) {
                    out.write(bytes(PageJson.sseComment("nothing new")));
                } else {
                    out.write(bytes(PageJson.sse("topology", r.version(), r.json())));
                    version = r.version();
                }
                out.flush();
            }
        } catch (IOException e) {
            // the viewer went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            viewers.release();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        // everything the page needs comes from here: nothing is fetched from anywhere else
        exchange.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'");
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Number of {@code /events} streams open now. */
    public int viewers() {
        return MAX_VIEWERS - viewers.availablePermits();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
