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
import org.junit.jupiter.api.Test;

/**
 * {@code --icc=false} on docker0 (issue 13's Docker parity), on a two-host lab whose agents and dockerds both run with
 * it: docker0's containers reach each other neither on one host nor across hosts, a published port still answers from
 * outside and from a container of another host, and the hosts still reach each other between their docker0 gateway
 * addresses (what tunnel health probes use).
 */
class DockerIccIT {
    private static Lab lab;

    @BeforeAll
    static void up() {
        Lab.assumeRoot();
        lab = Lab.fromSystemProperties(DockerIccIT.class.getSimpleName(), "ic");
        // the test makes its own containers (with icc off, lab.sh skips its connectivity matrix)
        lab.up("--hosts", "2", "--containers", "1", "--icc", "false");
        for (String c : List.of("h1-a", "h1-b")) {
            lab.docker("h1", "run", "-d", "--name", c, "busybox:lab", "sleep", "600").orThrow();
        }
        lab.docker("h2", "run", "-d", "--name", "h2-a", "busybox:lab", "sleep", "600").orThrow();
        lab.docker("h1", "run", "-d", "--init", "--name", "h1-web", "-p", "8080:80", "busybox:lab", "httpd", "-f", "-p",
                "80", "-h", "/www").orThrow();
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.saveLogsAndDown();
        }
    }

    private static String ip(String host, String container) {
        return lab.docker(host, "inspect", "-f", "{{.NetworkSettings.IPAddress}}", container).orThrow().out().strip();
    }

    @Test
    void dockerdAndTheAgentBothRunWithIccOff() {
        String info = lab.docker("h1", "network", "inspect", "bridge", "-f",
                "{{index .Options \"com.docker.network.bridge.enable_icc\"}}").orThrow().out().strip();
        assertEquals("false", info, "dockerd's docker0 network");
        List<String> forward = lab.exec("h1", "iptables", "-S", "OVSFABRIC-FORWARD").orThrow().out().lines().toList();
        assertTrue(forward.contains("-A OVSFABRIC-FORWARD -i docker0 -o docker0 -j DROP"), forward.toString());
    }

    @Test
    void docker0ContainersDoNotReachEachOtherOnOneHost() {
        Cmd.Result ping = lab.docker("h1", "exec", "h1-a", "ping", "-c", "2", "-W", "1", ip("h1", "h1-b"));
        System.out.printf("h1-a -> h1-b (same host): exit %d%n", ping.exit());
        assertFalse(ping.ok(), ping.out());
    }

    @Test
    void docker0ContainersDoNotReachEachOtherAcrossHosts() {
        long before = FlowCounters.packets(lab, "h1", 10);
        Cmd.Result ping = lab.docker("h1", "exec", "h1-a", "ping", "-c", "2", "-W", "1", ip("h2", "h2-a"));
        long dropped = Poll.until("h1's icc drop flows (category 10) count h1-a's ARP for h2-a", Duration.ofSeconds(20),
                () -> {
                    long n = FlowCounters.packets(lab, "h1", 10) - before;
                    return n > 0 ? Optional.of(n) : Optional.empty();
                }, () -> lab.exec("h1", "ovs-ofctl", "-O", "OpenFlow13", "dump-flows", "br0").out());
        System.out.printf("h1-a -> h2-a (across hosts): exit %d, %d counted by h1's icc drop flows%n", ping.exit(), dropped);
        assertFalse(ping.ok(), ping.out());
    }

    @Test
    void aPublishedPortStillAnswersFromOutsideAndFromAnotherHostsContainer() {
        String url = "http://" + Lab.underlayIp("h1") + ":8080/";
        String fromOutside = Poll.until("GET " + url + " from the outside", Duration.ofSeconds(30), () -> {
            Cmd.Result r = lab.exec("out", "curl", "-sS", "-m", "3", url);
            return r.ok() ? Optional.of(r.out()) : Optional.empty();
        }, () -> lab.exec("out", "curl", "-sS", "-m", "3", url).describe());
        assertTrue(fromOutside.contains("hello from the ovsfabric lab"), fromOutside);
        Cmd.Result fromH2 = lab.docker("h2", "exec", "h2-a", "timeout", "10", "wget", "-q", "-O", "-", url);
        System.out.printf("GET %s: from outside '%s', from h2-a exit %d%n", url, fromOutside.strip(), fromH2.exit());
        assertTrue(fromH2.ok() && fromH2.out().contains("hello from the ovsfabric lab"), fromH2.describe());
    }

    @Test
    void theHostsStillReachEachOtherBetweenTheirGatewayAddresses() {
        String h1Gateway = lab.host("h1").gateway();
        String h2Gateway = lab.host("h2").gateway();
        long before = FlowCounters.packets(lab, "h2", 11);
        Cmd.Result ping = Poll.until("h1 (" + h1Gateway + ") pings h2's gateway " + h2Gateway, Duration.ofSeconds(30),
                () -> {
                    Cmd.Result r = lab.exec("h1", "busybox", "ping", "-c", "2", "-W", "2", "-I", h1Gateway, h2Gateway);
                    return r.ok() ? Optional.of(r) : Optional.empty();
                }, () -> lab.exec("h1", "busybox", "ping", "-c", "1", "-W", "2", "-I", h1Gateway, h2Gateway).describe());
        long passed = FlowCounters.packets(lab, "h2", 11) - before;
        System.out.printf("h1 %s -> h2 %s with icc off: %s; %d packets through h2's gateway-to-gateway flows%n",
                h1Gateway, h2Gateway, ping.out().lines().filter(l -> l.contains("packets transmitted")).findFirst()
                        .orElse("?"), passed);
        assertTrue(passed > 0, "h2's category-11 flows counted nothing");
    }
}
