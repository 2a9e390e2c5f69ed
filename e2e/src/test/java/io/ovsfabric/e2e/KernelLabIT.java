package io.ovsfabric.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.testing.Poll;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The fabric on OVS's kernel datapath with kernel GRE: one kernel-datapath lab (a user-mode-linux guest, see
 * docs/kernel-lab.md) of two Docker hosts, then a third joining and leaving. Runs only with {@code -De2e.kernel=true}
 * (the lab takes minutes to come up in UML); the other ITs run there too with that property.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelLabIT {
    private static final Map<String, String> SUBNETS = Map.of("appnet", "10.201.0.0/16", "othernet", "10.202.0.0/16");
    private static Lab lab;
    private static List<Lab.Container> containers;

    @BeforeAll
    static void up() {
        Lab.assumeRoot();
        Assumptions.assumeTrue(Lab.kernel(), "the kernel-datapath lab runs with -De2e.kernel=true (docs/kernel-lab.md)");
        lab = Lab.fromSystemProperties(KernelLabIT.class.getSimpleName());
        long t0 = System.nanoTime();
        lab.up("--hosts", "2", "--containers", "1");
        System.out.printf("kernel-datapath lab up in %.0f s%n", (System.nanoTime() - t0) / 1e9);
        containers = lab.containers();
        assertEquals(2, containers.size(), "containers running in the lab: " + containers);
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.saveLogsAndDown();
        }
    }

    @Test
    @Order(1)
    void everyHostRunsTheKernelDatapathWithKernelGreAndItsUpcallThreads() throws Exception {
        for (String h : lab.liveHosts()) {
            assertKernelDatapath(h);
        }
        lab.saveLogs();
        String log = Files.readString(lab.outDir().resolve("lab-logs").resolve("h1-agent.log"));
        assertTrue(log.contains("datapath system"), "h1's agent chose the kernel datapath by itself");
        assertFalse(log.contains("create OVS bridge br-phy"), "no br-phy on the kernel datapath");
    }

    @Test
    @Order(2)
    void everyContainerPingsEveryOtherAndBulkTcpCrossesIntact() {
        Map<Lab.Container, List<String>> pairs = new LinkedHashMap<>();
        for (Lab.Container src : containers) {
            pairs.put(src, containers.stream().filter(c -> !c.host().equals(src.host())).map(Lab.Container::ip).toList());
        }
        Pings.allAnswer(lab, pairs, Lab.patient(Duration.ofSeconds(30)));
        Lab.Container server = containers.get(0);
        Lab.Container client = containers.get(1);
        String sent = lab.docker(server.host(), "exec", server.name(), "sh", "-c",
                "dd if=/dev/urandom of=/www/blob bs=1M count=20 2>/dev/null && md5sum /www/blob").orThrow().out().split("\\s+")[0];
        Cmd.Result got = lab.docker(client.host(), "exec", client.name(), "sh", "-c",
                "wget -q -O /tmp/blob http://" + server.ip() + "/blob && wc -c </tmp/blob && md5sum /tmp/blob && rm /tmp/blob")
                .orThrow();
        List<String> lines = got.out().lines().toList();
        assertEquals("20971520", lines.get(0).strip(), "bytes received across kernel GRE");
        assertEquals(sent, lines.get(1).split("\\s+")[0], "md5 of what " + client.name() + " received");
        lab.docker(server.host(), "exec", server.name(), "rm", "/www/blob").orThrow();
    }

    @Test
    @Order(3)
    void containersReachOutsideThroughNatAndAPublishedPortAnswers() {
        for (Lab.Container c : containers) {
            String seen = lab.docker(c.host(), "exec", c.name(), "wget", "-q", "-O", "-",
                    "http://" + Lab.OUTSIDE_IP + "/cgi-bin/whoami").orThrow().out().strip();
            assertEquals(Lab.underlayIp(c.host()), seen, "source address the outside server saw for " + c.name());
        }
        lab.docker("h1", "run", "-d", "--init", "--name", "kern-web", "-p", "8080:80", "busybox:lab",
                "httpd", "-f", "-p", "80", "-h", "/www").orThrow();
        try {
            String url = "http://" + Lab.underlayIp("h1") + ":8080/";
            String body = Poll.until("GET " + url + " from the outside namespace", Lab.patient(Duration.ofSeconds(30)), () -> {
                Cmd.Result r = lab.exec("out", "curl", "-sS", "-m", "5", url);
                return r.ok() ? Optional.of(r.out()) : Optional.empty();
            }, () -> lab.exec("out", "curl", "-sS", "-m", "5", url).describe());
            assertTrue(body.contains("hello from the ovsfabric lab"), "page served by kern-web: " + body);
        } finally {
            lab.docker("h1", "rm", "-f", "kern-web");
        }
    }

    @Test
    @Order(4)
    void networksAreIsolatedFromEachOther() {
        for (Map.Entry<String, String> n : SUBNETS.entrySet()) {
            lab.ctl("network", "create", n.getKey(), "--subnet", n.getValue()).orThrow();
        }
        Map<String, String> ips = new LinkedHashMap<>();
        for (String host : List.of("h1", "h2")) {
            Poll.until(host + " engine has both fabric networks", Lab.patient(Duration.ofSeconds(60)), () -> {
                String names = lab.docker(host, "network", "ls", "--filter", "driver=ovsfabric", "--format", "{{.Name}}").out();
                return names.lines().toList().containsAll(SUBNETS.keySet()) ? Optional.of(true) : Optional.empty();
            }, () -> lab.docker(host, "network", "ls").out());
            for (String network : SUBNETS.keySet()) {
                String name = network.substring(0, 3) + "-" + host;
                lab.docker(host, "run", "-d", "--name", name, "--network", network, "busybox:lab", "sleep", "3600").orThrow();
                ips.put(name, lab.docker(host, "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
                        name).orThrow().out().strip());
            }
        }
        Poll.until("app-h1 pings app-h2 across kernel GRE", Lab.patient(Duration.ofSeconds(30)),
                () -> ping("h1", "app-h1", ips.get("app-h2")) ? Optional.of(true) : Optional.empty(), () -> "no reply");
        Poll.until("oth-h2 pings oth-h1 across kernel GRE", Lab.patient(Duration.ofSeconds(30)),
                () -> ping("h2", "oth-h2", ips.get("oth-h1")) ? Optional.of(true) : Optional.empty(), () -> "no reply");
        List<String> reached = new ArrayList<>();
        for (String[] p : List.of(new String[] {"h1", "app-h1", "oth-h2"}, new String[] {"h1", "app-h1", "oth-h1"},
                new String[] {"h2", "oth-h2", "app-h1"})) {
            if (ping(p[0], p[1], ips.get(p[2]))) {
                reached.add(p[1] + " -> " + p[2]);
            }
        }
        assertEquals(List.of(), reached, "containers reached another network");
    }

    @Test
    @Order(5)
    void anAgentRestartUnderTrafficLosesNothing() {
        try (Traffic traffic = Traffic.start(lab, containers, lab.outDir().resolve("traffic"))) {
            traffic.awaitFlowing(Duration.ofSeconds(3), Lab.patient(Duration.ofSeconds(30)));
            Traffic.Mark mark = traffic.mark();
            System.out.println(lab.fault("restart-agent", "h1"));
            traffic.awaitFlowing(Duration.ofSeconds(3), Lab.patient(Duration.ofSeconds(60)));
            List<Traffic.Stats> stats = traffic.since(mark);
            stats.forEach(s -> System.out.printf("agent restart, %s: sent %d lost %d longest gap %s%n", s.stream(), s.sent(),
                    s.lost(), Traffic.seconds(s.longestGap())));
            assertTrue(stats.stream().allMatch(Traffic.Stats::lossless), "traffic lost during h1's agent restart: " + stats);
        }
    }

    @Test
    @Order(6)
    void aHostJoinsOnTheKernelDatapathThenLeaves() {
        String joined = lab.addHost(true);   // add-host waits until every container reaches the new host's and back
        assertKernelDatapath(joined);
        assertEquals("UP", lab.host(joined).state());
        lab.killHost(joined);
        Poll.until(joined + " DOWN at the controller", Lab.patient(Duration.ofSeconds(90)),
                () -> "DOWN".equals(lab.host(joined).state()) ? Optional.of(true) : Optional.empty(),
                () -> "controller: " + lab.hosts());
        assertEquals(List.of("h1", "h2"), lab.liveHosts());
        Map<Lab.Container, List<String>> pairs = Map.of(containers.get(0), List.of(containers.get(1).ip()));
        Pings.allAnswer(lab, pairs, Lab.patient(Duration.ofSeconds(30)));
    }

    /** br0 on datapath system, GRE through the kernel's gre_sys, no br-phy, upcall threads present (the agent agrees). */
    private static void assertKernelDatapath(String h) {
        assertEquals("system", lab.exec(h, "ovs-vsctl", "get", "bridge", "br0", "datapath_type").orThrow().out().strip()
                .replace("\"", ""), h + ": br0's datapath");
        assertEquals("br0", lab.exec(h, "ovs-vsctl", "list-br").orThrow().out().strip(), h + ": bridges (no br-phy)");
        String dp = lab.exec(h, "ovs-dpctl", "show").orThrow().out();
        assertTrue(dp.contains("system@ovs-system") && dp.contains("gre_sys"), h + ": kernel datapath with kernel GRE:\n" + dp);
        System.out.println(h + ": " + dp.lines().filter(l -> l.contains("lookups") || l.contains("gre_sys")).toList());
        String url = "http://" + Lab.underlayIp(h) + ":9091/metrics";
        String metric = Poll.until(h + "'s agent judged the upcall threads", Lab.patient(Duration.ofSeconds(30)), () -> {
            Optional<String> line = lab.exec(h, "curl", "-sS", "-m", "5", url).out().lines()
                    .filter(l -> l.startsWith("ovsfabric_agent_datapath_upcall_broken")).findFirst();
            return line.filter(l -> !l.endsWith(" -1.0"));
        }, () -> "no verdict in " + url);
        assertTrue(metric.endsWith(" 0.0"), h + ": the agent says the kernel datapath has upcall threads: " + metric);
    }

    private static boolean ping(String host, String container, String target) {
        return lab.docker(host, "exec", container, "ping", "-c1", "-W2", target).ok();
    }
}
