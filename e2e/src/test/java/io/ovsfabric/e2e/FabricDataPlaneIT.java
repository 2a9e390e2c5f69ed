package io.ovsfabric.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.testing.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The data plane across a lab of three Docker hosts with two containers each: reachability, bulk TCP with the
 * right MTU, what the underlay carries, loop-free broadcast, NAT to the outside and published ports.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FabricDataPlaneIT {
    private static Lab lab;
    private static List<Lab.Container> containers;

    @BeforeAll
    static void up() {
        Lab.assumeRoot();
        lab = Lab.fromSystemProperties(FabricDataPlaneIT.class.getSimpleName());
        lab.up("--hosts", "3", "--containers", "2");
        containers = lab.containers();
        assertEquals(6, containers.size(), "containers running in the lab: " + containers);
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.saveLogsAndDown();
        }
    }

    @Test
    @Order(1)
    void everyContainerPingsEveryContainerOnOtherHostsByIp() {
        Map<Lab.Container, List<String>> pairs = new LinkedHashMap<>();
        for (Lab.Container src : containers) {
            pairs.put(src, containers.stream().filter(c -> !c.host().equals(src.host())).map(Lab.Container::ip).toList());
        }
        Pings.allAnswer(lab, pairs, Duration.ofSeconds(30));
        System.out.println("all " + pairs.values().stream().mapToInt(List::size).sum() + " cross-host pairs answered");
    }

    @Test
    @Order(2)
    void fiftyMegabytesCrossHostsIntact() {
        Lab.Container server = byName("h1-c1");
        Lab.Container client = byName("h2-c1");
        String sent = lab.docker(server.host(), "exec", server.name(), "sh", "-c",
                "dd if=/dev/urandom of=/www/blob bs=1M count=50 2>/dev/null && md5sum /www/blob").orThrow().out().split("\\s+")[0];
        long t0 = System.nanoTime();
        // busybox httpd on the server container, busybox wget on the client: one TCP stream of 52,428,800 bytes.
        Cmd.Result got = lab.docker(client.host(), "exec", client.name(), "sh", "-c",
                "wget -q -O /tmp/blob http://" + server.ip() + "/blob && wc -c </tmp/blob && md5sum /tmp/blob && rm /tmp/blob")
                .orThrow();
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<String> lines = got.out().lines().toList();
        assertEquals("52428800", lines.get(0).strip(), "bytes received");
        assertEquals(sent, lines.get(1).split("\\s+")[0], "md5 of what " + client.name() + " received");
        System.out.printf("50 MB %s -> %s across GRE: %.1f s (%.0f Mbit/s, including docker exec)%n",
                server.name(), client.name(), seconds, 50 * 8 * 1.048576 / seconds);
        lab.docker(server.host(), "exec", server.name(), "rm", "/www/blob").orThrow();
    }

    @Test
    @Order(3)
    void underlayCarriesContainerTrafficOnlyInsideGre() {
        Lab.Container a = byName("h1-c1");
        Lab.Container b = byName("h3-c1");
        List<String> gre;
        List<String> clear;
        try (Capture inGre = Capture.start(lab, "sw", "br-underlay", "ip proto 47", "underlay-gre");
                Capture inClear = Capture.start(lab, "sw", "br-underlay", "net " + Lab.FABRIC_CIDR, "underlay-clear")) {
            lab.docker(a.host(), "exec", a.name(), "ping", "-c", "3", "-W", "2", b.ip()).orThrow();
            lab.docker(a.host(), "exec", a.name(), "wget", "-q", "-O", "/dev/null", "http://" + b.ip() + "/").orThrow();
            // Both captures see the same interface; once the GRE one holds all of it, the other has had its chance.
            inGre.awaitPackets("3 echo requests and the HTTP exchange " + a.ip() + " -> " + b.ip() + " inside GRE",
                    Duration.ofSeconds(15), lines -> echoRequests(lines, a, b) >= 3
                            && lines.stream().anyMatch(l -> l.contains(a.ip() + ".") && l.contains(b.ip() + ".80:")));
            gre = inGre.stop();
            clear = inClear.stop();
        }
        System.out.println("GRE on the underlay (first lines):\n  " + String.join("\n  ", gre.stream().limit(4).toList()));
        assertTrue(echoRequests(gre, a, b) >= 3, String.join("\n", gre));
        assertEquals(List.of(), clear, "packets with a container address in the outer header on the underlay");
    }

    /**
     * One ARP broadcast per target from h1-c1. A target in a peer's subnet must reach that peer exactly once; no
     * host may receive any request more than once, and only h1 may send it (a host that got it from a tunnel never
     * forwards it into another tunnel). The agent may send ARP for a peer's subnet only to that peer, so other hosts
     * see it at most once, not necessarily once. The capture window of a few seconds would show a storm by the
     * thousands.
     */
    @Test
    @Order(4)
    void oneArpBroadcastReachesEachHostAtMostOnceAndItsOwnerExactlyOnce() {
        Lab.Container src = byName("h1-c1");
        Map<String, String> targetOwner = new LinkedHashMap<>();
        for (Lab.HostRecord h : lab.hosts()) {
            if (!h.hostId().equals(src.host()) && "UP".equals(h.state())) {
                targetOwner.put(unusedAddressIn(Cidr.parse(h.subnet())), h.hostId());
            }
        }
        assertEquals(2, targetOwner.size(), "peers of h1 with a subnet: " + targetOwner);
        List<String> lines;
        try (Capture cap = Capture.start(lab, "sw", "br-underlay", "ip proto 47", "arp-broadcast")) {
            for (String target : targetOwner.keySet()) {
                lab.docker(src.host(), "exec", src.name(), "arping", "-c", "1", "-w", "1", "-I", "eth0", target);
            }
            cap.awaitPackets("each ARP broadcast at its owner", Duration.ofSeconds(15), got -> targetOwner.entrySet().stream()
                    .allMatch(e -> GreFrames.arpRequestsByDestination(GreFrames.parseAll(got), e.getKey())
                            .containsKey(Lab.underlayIp(e.getValue()))));
            // An observation window, not a wait for a condition: a storm shows thousands of copies within it.
            Poll.pause(Duration.ofSeconds(2));
            lines = cap.stop();
        }
        List<GreFrames.Frame> frames = GreFrames.parseAll(lines);
        targetOwner.forEach((target, owner) -> {
            Map<String, Long> byDst = GreFrames.arpRequestsByDestination(frames, target);
            System.out.println("ARP who-has " + target + " (" + owner + "'s subnet) delivered per underlay address: " + byDst);
            assertEquals(1L, byDst.getOrDefault(Lab.underlayIp(owner), 0L), "copies of the broadcast at its owner " + owner);
            byDst.forEach((dst, n) -> assertEquals(1L, n, "copies of the broadcast for " + target + " at " + dst));
            frames.stream().filter(f -> GreFrames.arpTarget(f).filter(target::equals).isPresent()).forEach(f -> assertEquals(
                    Lab.underlayIp(src.host()), f.outerSrc(), "a host re-sent a broadcast it got from a tunnel: " + f));
        });
    }

    @Test
    @Order(5)
    void containerReachesOutsideThroughNatAsItsHost() {
        for (String host : List.of("h1", "h2")) {
            Lab.Container c = byName(host + "-c1");
            String seen = lab.docker(host, "exec", c.name(), "wget", "-q", "-O", "-",
                    "http://" + Lab.OUTSIDE_IP + "/cgi-bin/whoami").orThrow().out().strip();
            System.out.println(c.name() + " (" + c.ip() + ") seen by the outside server as " + seen);
            assertEquals(Lab.underlayIp(host), seen, "source address the outside server saw for " + c.name());
        }
    }

    @Test
    @Order(6)
    void publishedPortIsReachableFromOutsideAtTheHostsUnderlayAddress() {
        lab.docker("h1", "run", "-d", "--init", "--name", "e2e-web", "-p", "8080:80", "busybox:lab",
                "httpd", "-f", "-p", "80", "-h", "/www").orThrow();
        try {
            String url = "http://" + Lab.underlayIp("h1") + ":8080/";
            String body = Poll.until("GET " + url + " from the outside namespace", Duration.ofSeconds(30), () -> {
                Cmd.Result r = lab.exec("out", "curl", "-sS", "-m", "3", url);
                return r.ok() ? Optional.of(r.out()) : Optional.empty();
            }, () -> lab.exec("out", "curl", "-sS", "-m", "3", url).describe());
            System.out.println("outside -> " + url + ": " + body.strip());
            assertTrue(body.contains("hello from the ovsfabric lab"), "page served by e2e-web: " + body);
        } finally {
            lab.docker("h1", "rm", "-f", "e2e-web");
        }
    }

    /** Echo requests a -> b seen inside GRE from a's host to b's host. */
    private static long echoRequests(List<String> lines, Lab.Container a, Lab.Container b) {
        return GreFrames.parseAll(lines).stream().filter(f -> f.outerSrc().equals(Lab.underlayIp(a.host()))
                && f.outerDst().equals(Lab.underlayIp(b.host())) && GreFrames.isEchoRequest(f, a.ip(), b.ip())).count();
    }

    private static Lab.Container byName(String name) {
        return containers.stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name + " in " + containers));
    }

    /** The highest usable address of the subnet that no container holds. */
    private static String unusedAddressIn(Cidr subnet) {
        List<String> taken = new ArrayList<>(containers.stream().map(Lab.Container::ip).toList());
        Ipv4Address a = subnet.broadcast().plus(-1);
        while (taken.contains(a.toString())) {
            a = a.plus(-1);
        }
        assertFalse(a.equals(subnet.network()), "no free address in " + subnet);
        return a.toString();
    }
}
