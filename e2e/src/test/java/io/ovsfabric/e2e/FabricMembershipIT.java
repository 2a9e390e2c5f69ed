package io.ovsfabric.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.testing.Poll;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Hosts joining, dying and being replaced in a running fabric, and a lab that leaves nothing behind. The lab's
 * controller has a short lease TTL (hosts go DOWN quickly) and a long reclaim grace (their subnets stay reserved
 * for the whole test).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FabricMembershipIT {
    private static final String LEASE_TTL = "4s";
    private static Lab lab;

    @BeforeAll
    static void up() {
        Lab.assumeRoot();
        lab = Lab.fromSystemProperties(FabricMembershipIT.class.getSimpleName());
        lab.up("--hosts", "2", "--containers", "1", "--lease-ttl", LEASE_TTL, "--reclaim-grace", "10m");
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.saveLogsAndDown();
        }
    }

    @Test
    @Order(1)
    void hostAddedToARunningFabricIsReachableFromAllOthersWithinSeconds() {
        List<String> before = lab.liveHosts();
        long t0 = System.nanoTime();
        String added = lab.addHost(false);
        long containersUp = System.nanoTime();
        List<Lab.Container> all = lab.containers();
        Lab.Container fresh = all.stream().filter(c -> c.host().equals(added)).findFirst()
                .orElseThrow(() -> new AssertionError("no container on the added host " + added + ": " + all));
        Map<Lab.Container, List<String>> pairs = new LinkedHashMap<>();
        List<String> others = new ArrayList<>();
        for (Lab.Container c : all) {
            if (!c.host().equals(added)) {
                pairs.put(c, List.of(fresh.ip()));
                others.add(c.ip());
            }
        }
        pairs.put(fresh, others);
        Pings.allAnswer(lab, pairs, Duration.ofSeconds(60));
        long reachable = System.nanoTime();
        System.out.printf("host %s joined %s: add-host took %.1f s; all pairs answered %.1f s after its container started%n",
                added, before, (containersUp - t0) / 1e9, (reachable - containersUp) / 1e9);
        assertEquals("UP", lab.host(added).state());
    }

    /**
     * Liveness never tears down forwarding: a killed host turns DOWN when its lease expires, but its peers keep its
     * tunnel and flows (a host merely cut off from the controllers would otherwise lose its peers); they go only when
     * its subnet is really released (here with {@code hosts release}; the reclaim grace or a graceful leave do the
     * same). During the grace its subnet stays its own, so a new host gets another one.
     */
    @Test
    @Order(2)
    void killedHostTurnsDownKeepsItsTunnelsAndSubnetUntilReleasedThenItsTunnelsGo() {
        String victim = "h2";
        Lab.HostRecord before = lab.host(victim);
        String victimIp = Lab.underlayIp(victim);
        lab.killHost(victim);
        long t0 = System.nanoTime();
        List<String> survivors = lab.liveHosts();
        Poll.until(victim + " DOWN at the controller", Duration.ofSeconds(90),
                () -> "DOWN".equals(lab.host(victim).state()) ? Optional.of(true) : Optional.empty(),
                () -> "controller: " + lab.hosts());
        System.out.printf("%s killed: DOWN after %.1f s (lease TTL %s)%n", victim, (System.nanoTime() - t0) / 1e9,
                LEASE_TTL);
        assertEquals(List.of(), survivors.stream().filter(h -> !ovsMentions(h, victimIp)).toList(),
                "survivors that dropped the DOWN host's tunnel flows towards " + victimIp);

        String replacement = lab.addHost(true);
        Lab.HostRecord fresh = lab.host(replacement);
        Lab.HostRecord dead = lab.host(victim);
        System.out.println("after adding " + replacement + ": " + lab.hosts());
        assertNotEquals(before.subnet(), fresh.subnet(), replacement + " got the subnet of " + victim + " during its grace period");
        assertEquals(before.subnet(), dead.subnet(), victim + " keeps its subnet during the grace period");
        assertEquals("DOWN", dead.state());
        assertTrue(lab.hosts().stream().filter(h -> !h.hostId().equals(victim)).noneMatch(h -> h.subnet().equals(before.subnet())),
                "no other host holds " + before.subnet());
        assertEquals(List.of(), survivors.stream().filter(h -> !ovsMentions(h, victimIp)).toList(),
                "survivors that dropped the tunnel flows towards " + victimIp + " while it is DOWN, before its release");

        System.out.println(lab.ctl("hosts", "release", victim).orThrow().out().strip());
        long t1 = System.nanoTime();
        List<String> all = lab.liveHosts();
        Poll.until(victim + " gone from the controller and from every host's OVS ports and flows", Duration.ofSeconds(60),
                () -> lab.hosts().stream().noneMatch(h -> h.hostId().equals(victim))
                        && all.stream().noneMatch(h -> ovsMentions(h, victimIp)) ? Optional.of(true) : Optional.empty(),
                () -> "controller: " + lab.hosts() + "\nhosts still pointing at " + victimIp + ": "
                        + all.stream().filter(h -> ovsMentions(h, victimIp)).toList());
        System.out.printf("%s released: gone from the tunnels/flows of %s after %.1f s%n", victim, all,
                (System.nanoTime() - t1) / 1e9);
    }

    @Test
    @Order(3)
    void downLeavesNothingBehind() throws IOException {
        Path state = lab.stateDir();
        lab.saveLogs();
        Cmd.Result first = lab.down();
        System.out.println(first.err());
        first.orThrow();
        assertEquals(List.of(), labNamespaces(), "namespaces of lab " + lab.name() + " after down");
        assertEquals(List.of(), processesMentioning(state.toString()), "processes using " + state + " after down");
        assertFalse(Files.exists(state), state + " after down");
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(state.toString()), "mounts under " + state);
        try (Stream<Path> cgroups = Files.list(Path.of("/sys/fs/cgroup"))) {
            List<Path> left = cgroups.flatMap(FabricMembershipIT::listQuietly)
                    .filter(p -> p.getFileName().toString().startsWith("ovsfabric-lab." + lab.name() + ".")).toList();
            assertEquals(List.of(), left, "cgroups of the lab's engines");
        }
        lab.down().orThrow(); // a second down is harmless
    }

    /** Whether host h's OVS still has a tunnel port or flow towards {@code ip}. */
    private static boolean ovsMentions(String h, String ip) {
        String ports = lab.exec(h, "ovs-vsctl", "show").orThrow().out();
        String flows = lab.exec(h, "ovs-ofctl", "-O", "OpenFlow10,OpenFlow11,OpenFlow12,OpenFlow13,OpenFlow14,OpenFlow15",
                "dump-flows", "br0").orThrow().out();
        return containsAddress(ports, ip) || containsAddress(flows, ip);
    }

    /** Dotted ({@code set_field:192.0.2.12->tun_dst}) or hex ({@code load:0xc000020c->NXM_NX_TUN_IPV4_DST[]}). */
    private static boolean containsAddress(String text, String ip) {
        String hex = String.format("0x%08x", Ipv4Address.parse(ip).unsigned());
        return Pattern.compile("(?<![0-9.])" + Pattern.quote(ip) + "(?![0-9])").matcher(text).find()
                || Pattern.compile(Pattern.quote(hex) + "(?![0-9a-f])", Pattern.CASE_INSENSITIVE).matcher(text).find();
    }

    private static List<String> labNamespaces() {
        String list = Cmd.run(List.of("ip", "netns", "list"), Map.of(), Duration.ofSeconds(30)).orThrow().out();
        return list.lines().map(l -> l.split("\\s+")[0]).filter(n -> n.startsWith(lab.name() + "-")).toList();
    }

    private static List<String> processesMentioning(String path) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
                    if (cmd.contains(path + "/") && !cmd.contains("lab.sh")) {
                        found.add(p.getFileName() + ": " + cmd);
                    }
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        }
        return found;
    }

    private static Stream<Path> listQuietly(Path dir) {
        try {
            return Files.isDirectory(dir) ? Files.list(dir).toList().stream() : Stream.of(dir);
        } catch (IOException e) {
            return Stream.empty();
        }
    }
}
