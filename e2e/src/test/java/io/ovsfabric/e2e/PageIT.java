package io.ovsfabric.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ovsfabric.common.testing.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The controller's live topology page in a real headless Chromium, on a lab: the browser runs in the lab's controller
 * namespace and loads c1's page at 192.0.2.2:9090 (the address that serves /metrics too); the page shows every host
 * with its tunnels, and a killed host turns red once its lease expires, with no reload (the page follows /events).
 */
class PageIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PAGE = "http://192.0.2.2:9090/";
    private static final String RED = "rgb(220, 38, 38)";
    private static final String GREEN = "rgb(22, 163, 74)";
    /** The map's hosts: id, state, the fill colour the browser computed for its circle. */
    private static final String HOSTS_JS = "JSON.stringify(Array.from(document.querySelectorAll('#map g.host')).map(g =>"
            + " [g.dataset.host, g.dataset.state, getComputedStyle(g.querySelector('circle')).fill]))";
    private static final String TUNNELS_JS = "JSON.stringify(Array.from(document.querySelectorAll('#map line.tunnel')).map(l =>"
            + " [l.dataset.a + '-' + l.dataset.b, l.dataset.state]))";
    private static final String ROWS_JS = "JSON.stringify(Array.from(document.querySelectorAll('#hosts tbody tr')).map(r =>"
            + " [r.dataset.host, r.dataset.state]))";
    private static Lab lab;
    private static Browser browser;

    @BeforeAll
    static void up() throws Exception {
        Lab.assumeRoot();
        assertTrue(Files.isExecutable(Path.of(Browser.CHROMIUM)), Browser.CHROMIUM + " is missing: install Debian's"
                + " chromium package (deploy/setup.sh does)");
        lab = Lab.fromSystemProperties(PageIT.class.getSimpleName(), "pg");
        lab.up("--hosts", "3", "--containers", "1", "--lease-ttl", "4s");
        lab.ctl("network", "create", "web", "--subnet", "10.210.0.0/24").orThrow();
        for (String host : List.of("h1", "h2")) {
            Poll.until(host + " engine has the fabric network web", Duration.ofSeconds(60),
                    () -> lab.docker(host, "network", "ls", "--format", "{{.Name}}").out().lines().anyMatch("web"::equals)
                            ? Optional.of(true) : Optional.empty(), () -> lab.docker(host, "network", "ls").out());
            lab.docker(host, "run", "-d", "--name", "web-" + host, "--network", "web", "busybox:lab", "sleep", "900")
                    .orThrow();
        }
        browser = Browser.start(lab.labArgv("exec", "ctrl"), lab.outDir().resolve("chromium"), 1280, 900);
    }

    @AfterAll
    static void down() {
        if (browser != null) {
            browser.close();
        }
        if (lab != null) {
            lab.saveLogsAndDown();
        }
    }

    private static List<List<String>> read(String js) {
        try {
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode row : JSON.readTree(browser.evaluate(js).asText())) {
                List<String> cells = new ArrayList<>();
                row.forEach(c -> cells.add(c.asText()));
                rows.add(cells);
            }
            return rows;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String pageState() {
        return "map " + read(HOSTS_JS) + ", tunnels " + read(TUNNELS_JS) + ", table " + read(ROWS_JS) + ", connection "
                + browser.evaluate("document.getElementById('conn').textContent").asText() + ", console "
                + browser.console();
    }

    private static Map<String, String> tunnels() {
        Map<String, String> byPair = new TreeMap<>();
        read(TUNNELS_JS).forEach(t -> byPair.put(t.get(0), t.get(1)));
        return byPair;
    }

    @Test
    @Timeout(300)
    void showsEveryHostAndAKilledHostTurnsRedWithoutAReload() throws Exception {
        browser.navigate(PAGE);
        List<List<String>> allUp = List.of(List.of("h1", "UP", GREEN), List.of("h2", "UP", GREEN), List.of("h3", "UP", GREEN));
        Poll.until("the page shows h1, h2 and h3 UP and green, live", Duration.ofSeconds(60),
                () -> read(HOSTS_JS).equals(allUp) && "live".equals(browser.evaluate(
                        "document.getElementById('conn').textContent").asText()) ? Optional.of(true) : Optional.empty(),
                PageIT::pageState);
        assertEquals(List.of(List.of("h1", "UP"), List.of("h2", "UP"), List.of("h3", "UP")), read(ROWS_JS));
        // a tunnel per pair, green once the agents' probes answered through it (they report every change at once)
        Map<String, String> healthy = Map.of("h1-h2", "healthy", "h1-h3", "healthy", "h2-h3", "healthy");
        Poll.until("every tunnel healthy on the page (the agents' probe reports)", Duration.ofSeconds(60),
                () -> tunnels().equals(healthy) ? Optional.of(true) : Optional.empty(), PageIT::pageState);
        Poll.until("the page lists network web with its two endpoints", Duration.ofSeconds(60),
                () -> browser.evaluate("document.querySelectorAll('[data-network=\"web\"] td').length").asInt() >= 8
                        ? Optional.of(true) : Optional.empty(), PageIT::pageState);
        String metrics = browser.evaluate("fetch('/metrics').then(r => r.text())").asText();
        assertTrue(metrics.contains("ovsfabric_controller_hosts{state=\"up\"} 3.0"),
                "the page's address serves /metrics too:\n" + metrics);
        browser.screenshot(lab.outDir().resolve("page-all-up.png"));
        double revision = browser.evaluate("Number(document.body.dataset.revision)").asDouble();

        lab.killHost("h3");
        Poll.until("h3 turns DOWN and red on the page, its tunnels broken", Duration.ofSeconds(90), () -> {
            List<List<String>> hosts = read(HOSTS_JS);
            return hosts.contains(List.of("h3", "DOWN", RED)) && tunnels().get("h1-h3").equals("broken")
                    && tunnels().get("h2-h3").equals("broken") ? Optional.of(true) : Optional.empty();
        }, PageIT::pageState);
        assertEquals(List.of(List.of("h1", "UP", GREEN), List.of("h2", "UP", GREEN), List.of("h3", "DOWN", RED)),
                read(HOSTS_JS));
        assertEquals("healthy", tunnels().get("h1-h2"), "the tunnel between the two hosts left stays healthy");
        assertEquals(List.of("h3", "DOWN"), read(ROWS_JS).get(2));
        assertTrue(browser.evaluate("Number(document.body.dataset.revision)").asDouble() > revision,
                "the page followed the change in place");
        String events = browser.evaluate("document.getElementById('events').textContent").asText();
        assertTrue(events.contains("h3 is DOWN (was UP)"), "recent events: " + events);
        browser.screenshot(lab.outDir().resolve("page-h3-down.png"));
        Files.writeString(lab.outDir().resolve("api-topology.json"),
                browser.evaluate("fetch('/api/topology').then(r => r.text())").asText());
    }
}
