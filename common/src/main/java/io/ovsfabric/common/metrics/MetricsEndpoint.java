package io.ovsfabric.common.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ovsfabric.common.InvalidInputException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code GET /metrics} in the Prometheus text format (0.0.4) on one address, served by the JDK's small HTTP server
 * on one daemon thread. {@code beforeScrape} runs before each scrape (gauges that read a store refresh there); if it
 * fails the scrape still answers with the last values.
 */
public final class MetricsEndpoint implements AutoCloseable {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService thread;

    private MetricsEndpoint(HttpServer server, ExecutorService thread) {
        this.server = server;
        this.thread = thread;
    }

    /**
     * Binds and serves now.
     *
     * @throws UncheckedIOException when the address cannot be bound (in use, not local)
     */
    public static MetricsEndpoint start(InetSocketAddress address, PrometheusMeterRegistry registry, Runnable beforeScrape) {
        HttpServer server = HttpListener.bind(address, 16, "/metrics", "--metrics-listen");
        ExecutorService thread = Executors.newSingleThreadExecutor(HttpListener.daemonThreads("metrics-http"));
        server.setExecutor(thread);
        server.createContext("/", handler(registry, beforeScrape));
        server.start();
        return new MetricsEndpoint(server, thread);
    }

    /**
     * The {@code GET /metrics} handler alone, for a server that serves more than metrics (the controller's page):
     * it answers {@code /metrics} and 404 for any other path it is given.
     */
    public static HttpHandler handler(PrometheusMeterRegistry registry, Runnable beforeScrape) {
        return exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                    send(exchange, 405, "text/plain; charset=utf-8", "only GET /metrics\n");
                } else if ("/metrics".equals(path)) {
                    try {
                        beforeScrape.run();
                    } catch (RuntimeException e) {
                        // the gauges keep their last values; the failure is counted by whoever failed
                    }
                    send(exchange, 200, CONTENT_TYPE, registry.scrape());
                } else {
                    send(exchange, 404, "text/plain; charset=utf-8", "ovsfabric serves its metrics at /metrics\n");
                }
            }
        };
    }

    /** The bound address (the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        thread.shutdownNow();
    }

    /**
     * Parses a {@code --metrics-listen} value, HOST:PORT (port 0 picks a free one).
     *
     * @throws InvalidInputException naming the flag and what is wrong
     */
    public static InetSocketAddress parseListen(String flag, String value) {
        int colon = value == null ? -1 : value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new InvalidInputException(flag + ": '" + value + "' is not HOST:PORT (e.g. 127.0.0.1:9090)");
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new InvalidInputException(flag + ": '" + value.substring(colon + 1) + "' is not a port number");
        }
        if (port < 0 || port > 65535) {
            throw new InvalidInputException(flag + ": port " + port + " is outside 0-65535");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(host, port);
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
