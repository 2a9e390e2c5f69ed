package io.ovsfabric.ctl;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what each agent reports about itself from its {@code /metrics} (the agent's {@code --metrics-listen}, on its
 * underlay address): the last reconcile of each result, the topology revision it applied, and the peers it tunnels to.
 * All hosts are read at once, each within the timeout.
 */
final class AgentScraper {
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{([^}]*)})?\\s+(\\S+).*");

    /** What one agent said; {@code error} is set (and the rest zero) when it could not be read. */
    record AgentReport(String error, long lastOkMs, long lastFailedMs, long passesOk, long passesFailed, long tunnels,
            long peers, long revision) {
        static AgentReport unreachable(String why) {
            return new AgentReport(why, 0, 0, 0, 0, 0, 0, 0);
        }

        boolean reachable() {
            return error == null;
        }

        /** The last pass failed (a failed pass after the last good one). */
        boolean lastFailed() {
            return lastFailedMs > lastOkMs;
        }
    }

    private final HttpClient http;
    private final Duration timeout;

    AgentScraper(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** Underlay IP -> report, for every address given, read in parallel. */
    Map<String, AgentReport> read(List<String> underlayIps, int port) {
        Map<String, CompletableFuture<AgentReport>> pending = new HashMap<>();
        for (String ip : underlayIps) {
            URI uri = URI.create("http://" + ip + ":" + port + "/metrics");
            pending.put(ip, http.sendAsync(HttpRequest.newBuilder(uri).timeout(timeout).build(),
                            HttpResponse.BodyHandlers.ofString())
                    .thenApply(r -> r.statusCode() == 200 ? parse(r.body())
                            : AgentReport.unreachable(uri + " answered HTTP " + r.statusCode()))
                    .exceptionally(e -> AgentReport.unreachable(uri + ": " + rootMessage(e))));
        }
        Map<String, AgentReport> out = new HashMap<>();
        pending.forEach((ip, f) -> out.put(ip, f.join()));
        return out;
    }

    static AgentReport parse(String text) {
        double lastOk = 0;
        double lastFailed = 0;
        double ok = 0;
        double failed = 0;
        double tunnels = 0;
        double peers = 0;
        double revision = 0;
        boolean agent = false;
        for (String line : text.split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            String labels = Optional.ofNullable(m.group(2)).orElse("");
            double value;
            try {
                value = Double.parseDouble(m.group(3));
            } catch (NumberFormatException e) {
                continue;
            }
            boolean resultOk = labels.contains("result=\"ok\"");
            switch (m.group(1)) {
                case "ovsfabric_agent_reconcile_last_timestamp_seconds" -> {
                    agent = true;
                    if (resultOk) {
                        lastOk = value;
                    } else {
                        lastFailed = value;
                    }
                }
                case "ovsfabric_agent_reconcile_passes_total" -> {
                    if (resultOk) {
                        ok = value;
                    } else {
                        failed = value;
                    }
                }
                case "ovsfabric_agent_tunnels" -> tunnels = value;
                case "ovsfabric_agent_peers" -> peers = value;
                case "ovsfabric_agent_topology_revision" -> revision = value;
                default -> { }
            }
        }
        if (!agent) {
            return AgentReport.unreachable("no ovsfabric agent metrics there");
        }
        return new AgentReport(null, (long) (lastOk * 1000), (long) (lastFailed * 1000), (long) ok, (long) failed,
                (long) tunnels, (long) peers, (long) revision);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + " " + t.getMessage();
    }
}
