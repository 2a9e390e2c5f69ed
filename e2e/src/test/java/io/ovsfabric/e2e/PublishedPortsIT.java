package io.ovsfabric.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.testing.Poll;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code docker run -p} on a user network of the fabric, as on Docker's bridge: the container's port answers at its
 * host's address from outside, from the host itself and from a container on another host, not from docker0's
 * containers, a host port cannot be published twice, an agent restart keeps it, and {@code docker rm -f} closes it and
 * leaves no rule behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PublishedPortsIT {
    private static final String NETWORK = "pubnet";
    private static final String SUBNET = "10.205.0.0/16";
    private static final String WEB = "pp-web";
    private static final String CLIENT = "pp-client";
    private static final String URL = "http://" + Lab.underlayIp("h1") + ":8081/";
    private static Lab lab;
    private static String webIp;

    @BeforeAll
    static void up() {
        Lab.assumeRoot();
        lab = Lab.fromSystemProperties(PublishedPortsIT.class.getSimpleName(), "pp");
        lab.up("--hosts", "2", "--containers", "1");
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.docker("h1", "rm", "-f", WEB, WEB + "2");
            lab.docker("h2", "rm", "-f", CLIENT);
            lab.saveLogsAndDown();
        }
    }

    @Test
    @Order(1)
    void aPublishedPortAnswersAtTheHostsAddressFromOutsideAndFromTheHost() {
        lab.ctl("network", "create", NETWORK, "--subnet", SUBNET).orThrow();
        Poll.until("h1's engine has network " + NETWORK, Duration.ofSeconds(60), () -> lab.docker("h1", "network",
                "ls", "--filter", "driver=ovsfabric", "--format", "{{.Name}}").out().lines().anyMatch(NETWORK::equals)
                ? Optional.of(true) : Optional.empty(), () -> lab.docker("h1", "network", "ls").out());
        lab.docker("h1", "run", "-d", "--init", "--name", WEB, "--network", NETWORK, "-p", "8081:80", "busybox:lab",
                "httpd", "-f", "-p", "80", "-h", "/www").orThrow();
        webIp = lab.docker("h1", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", WEB)
                .orThrow().out().strip();
        assertTrue(webIp.startsWith("10.205."), WEB + " has an address of " + SUBNET + ": " + webIp);

        String fromOutside = get("out");
        System.out.println("outside -> " + URL + " (" + WEB + " at " + webIp + "): " + fromOutside.strip());
        assertTrue(fromOutside.contains("hello from the ovsfabric lab"), fromOutside);
        String fromHost = get("h1");
        assertTrue(fromHost.contains("hello from the ovsfabric lab"), "from h1 itself: " + fromHost);
        // a container of the same network on h2 goes out through h2's NAT and in through h1's published port
        lab.docker("h2", "run", "-d", "--name", CLIENT, "--network", NETWORK, "busybox:lab", "sleep", "600").orThrow();
        String fromH2 = Poll.until("GET " + URL + " from " + CLIENT + " on h2", Duration.ofSeconds(30), () -> {
            Cmd.Result r = lab.docker("h2", "exec", CLIENT, "wget", "-q", "-O", "-", URL);
            return r.ok() ? Optional.of(r.out()) : Optional.empty();
        }, () -> lab.docker("h2", "exec", CLIENT, "wget", "-q", "-O", "-", URL).describe());
        assertTrue(fromH2.contains("hello from the ovsfabric lab"), "from " + CLIENT + " on h2: " + fromH2);
        List<String> rules = portRules();
        System.out.println("h1 nat rules of ovsfabric's published ports:\n  " + String.join("\n  ", rules));
        assertEquals(1, rules.stream().filter(r -> r.contains("--to-destination " + webIp + ":80")).count(), rules.toString());
    }

    @Test
    @Order(2)
    void aHostPortPublishedAlreadyIsRefusedWithWhatToDo() {
        Cmd.Result second = lab.docker("h1", "run", "-d", "--init", "--name", WEB + "2", "--network", NETWORK, "-p",
                "8081:80", "busybox:lab", "httpd", "-f", "-p", "80", "-h", "/www");
        System.out.println("second -p 8081:80 on h1: " + second.err().strip());
        assertFalse(second.ok(), "a second container got host port 8081: " + second.describe());
        assertTrue(second.err().contains("it is published already for") && second.err().contains("-p 8082:80"),
                second.err());
        lab.docker("h1", "rm", "-f", WEB + "2").orThrow();
        assertTrue(get("out").contains("hello from the ovsfabric lab"), "the first container still answers");
    }

    /** As on Docker's bridge: a published port is no way around isolation (h1-c1 is on docker0 of the same host). */
    @Test
    @Order(3)
    void aContainerOfDocker0CannotUseIt() {
        Cmd.Result r = lab.docker("h1", "exec", "h1-c1", "timeout", "5", "wget", "-q", "-O", "-", URL);
        assertFalse(r.ok() && r.out().contains("hello"), "h1-c1 (docker0) reached the published port: " + r.describe());
        List<String> forward = lab.exec("h1", "iptables", "-S", "FORWARD").orThrow().out().lines()
                .filter(l -> l.startsWith("-A")).toList();
        System.out.println("h1 FORWARD: " + forward);
        assertTrue(forward.indexOf("-A FORWARD -j OVSFABRIC-FORWARD") <= 1, "our jump is in front: " + forward);
    }

    @Test
    @Order(4)
    void anAgentRestartKeepsThePortAndItsRules() {
        List<String> before = portRules();
        lab.lab(Duration.ofMinutes(3), "restart-agent", "h1").orThrow();
        assertTrue(get("out").contains("hello from the ovsfabric lab"), "after the agent restart");
        // the restarted agent's first passes (data plane, then plugin) leave the rules as they were
        Poll.until("the agent of h1 serves the plugin again", Duration.ofSeconds(60), () -> lab.docker("h1", "run",
                "--rm", "--network", NETWORK, "busybox:lab", "true").ok() ? Optional.of(true) : Optional.empty(),
                () -> lab.docker("h1", "run", "--rm", "--network", NETWORK, "busybox:lab", "true").describe());
        assertEquals(before, portRules(), "published-port rules after the restart");
        assertTrue(get("out").contains("hello from the ovsfabric lab"), "after the plugin's first pass");
    }

    @Test
    @Order(5)
    void removingTheContainerClosesThePortAndLeavesNoRule() {
        lab.docker("h1", "rm", "-f", WEB).orThrow();
        Poll.until("no DNAT rule left for " + webIp + " on h1", Duration.ofSeconds(30), () -> portRules().stream()
                .noneMatch(r -> r.contains(webIp + ":80")) ? Optional.of(true) : Optional.empty(), () -> portRules().toString());
        Cmd.Result closed = lab.exec("out", "curl", "-sS", "-m", "3", URL);
        System.out.println("outside -> " + URL + " after docker rm -f: " + closed.err().strip());
        assertFalse(closed.ok(), "port 8081 still answers: " + closed.describe());
        String nat = lab.exec("h1", "iptables-save", "-t", "nat").orThrow().out();
        assertFalse(nat.contains("--dport 8081"), nat);
    }

    /**
     * A restarted dockerd puts its FORWARD rules above ours (its -i docker0 ! -o docker0 ACCEPT would let docker0
     * containers into user networks): the agent sees the engine come back and puts its jump in front again.
     */
    @Test
    @Order(6)
    void afterADockerdRestartOurForwardJumpIsInFrontAgain() {
        lab.lab(Duration.ofMinutes(3), "restart-engine", "h1").orThrow();
        long start = System.nanoTime();
        List<String> forward = Poll.until("h1's FORWARD chain starts with ovsfabric's jump again", Duration.ofSeconds(90),
                () -> {
                    List<String> rules = forwardRules();
                    return rules.indexOf("-A FORWARD -j OVSFABRIC-FORWARD") <= 1 && rules.contains("-A FORWARD -j DOCKER-USER")
                            ? Optional.of(rules) : Optional.empty();
                }, () -> forwardRules().toString());
        System.out.printf("h1 FORWARD %.1f s after restart-engine returned: %s%n", (System.nanoTime() - start) / 1e9, forward);
        Poll.until("h1's agent logs that dockerd came back", Duration.ofSeconds(30), () -> {
            try {
                return java.nio.file.Files.readString(lab.stateDir().resolve("logs/h1-agent.log"))
                        .contains("docker event stream on h1 is back") ? Optional.of(true) : Optional.empty();
            } catch (java.io.IOException e) {
                return Optional.empty();
            }
        }, () -> "no such line in " + lab.stateDir().resolve("logs/h1-agent.log"));
    }

    private static List<String> forwardRules() {
        return lab.exec("h1", "iptables", "-S", "FORWARD").orThrow().out().lines().filter(l -> l.startsWith("-A")).toList();
    }

    /** GET of the published port from a lab namespace ("out": the outside, "h1": the host itself), once it answers. */
    private static String get(String from) {
        return Poll.until("GET " + URL + " from " + from, Duration.ofSeconds(30), () -> {
            Cmd.Result r = lab.exec(from, "curl", "-sS", "-m", "3", URL);
            return r.ok() ? Optional.of(r.out()) : Optional.empty();
        }, () -> lab.exec(from, "curl", "-sS", "-m", "3", URL).describe());
    }

    /** h1's rules of the published-port chain and the jumps to it, as iptables-save prints them. */
    private static List<String> portRules() {
        return lab.exec("h1", "iptables-save", "-t", "nat").orThrow().out().lines()
                .filter(l -> l.startsWith("-A") && l.contains("OVSFABRIC-PORTS")).toList();
    }
}
