package io.ovsfabric.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ovsfabric.common.testing.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 5, the Docker way: a network made with {@code docker network create -d ovsfabric} on one host exists on every
 * host with the same pool, carries traffic across hosts by IP and by name, refuses overlapping or clashing
 * definitions without leaving anything behind, and goes away everywhere when its origin host removes it (a copy
 * removed on another host comes back). Plus outbound NAT from a network defined with ovsfabricctl.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerCreatedNetworksIT {
    private static final List<String> HOSTS = List.of("h1", "h2", "h3");
    private static final String DNET = "dnet";
    private static final String DNET_SUBNET = "10.203.0.0/16";
    private static final String NATNET = "natnet";
    private static final String NATNET_SUBNET = "10.204.0.0/16";
    private static final String IMAGE = "busybox:lab";
    private static final Duration SYNC = Duration.ofSeconds(45);
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static Lab lab;
    /** container on dnet -> its address */
    private static final Map<String, String> dnetMembers = new LinkedHashMap<>();

    @BeforeAll
    static void up() {
        Lab.assumeRoot();
        lab = Lab.fromSystemProperties(DockerCreatedNetworksIT.class.getSimpleName(), "dc");
        lab.up("--hosts", "3", "--containers", "1");
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.saveLogsAndDown();
        }
    }

    @Test
    @Order(1)
    void dockerNetworkCreateOnOneHostExistsOnEveryHostWithOnePoolAndCarriesTrafficByIpAndName() {
        // natnet (test 4) is defined now so that its propagation overlaps this test's
        lab.ctl("network", "create", NATNET, "--subnet", NATNET_SUBNET).orThrow();
        lab.docker("h1", "network", "create", "-d", "ovsfabric", "--ipam-driver", "ovsfabric", "--subnet", DNET_SUBNET,
                DNET).orThrow();
        for (String host : HOSTS) {
            Poll.until(DNET + " in " + host + "'s engine", SYNC, () -> engineNetworks(host).contains(DNET)
                    ? Optional.of(true) : Optional.empty(), () -> lab.docker(host, "network", "ls").out());
        }
        List<JsonNode> defs = fabricNetworks().stream().filter(n -> n.path("name").asText().equals(DNET)).toList();
        assertEquals(1, defs.size(), "controller definitions of " + DNET + ": " + fabricNetworks());
        JsonNode def = defs.get(0);
        assertEquals(DNET_SUBNET, def.path("subnet").asText());
        String fabricId = def.path("id").asText();
        String poolId = def.path("labels").path("io.ovsfabric.pool-id").asText();
        assertEquals("h1", def.path("labels").path("io.ovsfabric.origin-host").asText(), def.toString());
        assertTrue(poolId.startsWith("ofx-"), "pool id label of " + def);

        // every engine: ovsfabric driver and IPAM, the subnet; the copies name the fabric network; every plugin
        // holds the same pool id for the subnet, bound to the same fabric network
        for (String host : HOSTS) {
            JsonNode inspect = inspectNetwork(host, DNET);
            assertEquals("ovsfabric", inspect.path("Driver").asText(), host + ": " + inspect);
            assertEquals("ovsfabric", inspect.path("IPAM").path("Driver").asText(), host + ": " + inspect);
            assertEquals(DNET_SUBNET, inspect.path("IPAM").path("Config").path(0).path("Subnet").asText(), host);
            if (host.equals("h1")) {
                assertTrue(inspect.path("Labels").path("io.ovsfabric.managed-by").isMissingNode(), "h1's own: " + inspect);
            } else {
                assertEquals(fabricId, inspect.path("Options").path("io.ovsfabric.network-id").asText(), host + ": " + inspect);
                assertEquals(fabricId, inspect.path("Labels").path("io.ovsfabric.network-id").asText(), host + ": " + inspect);
            }
            JsonNode pool = Poll.until(host + "'s plugin holds a bound pool for " + DNET_SUBNET, SYNC,
                    () -> pluginPool(host, DNET_SUBNET).filter(p -> !p.path("fabricNetworkId").asText().isEmpty()),
                    () -> pluginState(host).toString());
            assertEquals(poolId, pool.path("poolId").asText(), host + " pool: " + pool);
            assertEquals(fabricId, pool.path("fabricNetworkId").asText(), host + " pool: " + pool);
        }

        for (String host : HOSTS) {
            String name = "d-" + host;
            lab.docker(host, "run", "-d", "--name", name, "--network", DNET, IMAGE, "sleep", "900").orThrow();
            dnetMembers.put(name, addressOn(host, name, DNET));
        }
        assertEquals(HOSTS.size(), new HashSet<>(dnetMembers.values()).size(), "distinct addresses: " + dnetMembers);
        dnetMembers.values().forEach(ip -> assertTrue(ip.startsWith("10.203."), "address in " + DNET_SUBNET + ": " + dnetMembers));

        List<CompletableFuture<Void>> pings = new ArrayList<>();
        for (String src : dnetMembers.keySet()) {
            for (Map.Entry<String, String> dst : dnetMembers.entrySet()) {
                if (!dst.getKey().equals(src)) {
                    for (String target : List.of(dst.getValue(), dst.getKey())) {
                        pings.add(CompletableFuture.runAsync(() -> awaitPing(src, target)));
                    }
                }
            }
        }
        pings.forEach(CompletableFuture::join);
    }

    @Test
    @Order(2)
    void overlappingOrClashingDefinitionsOnOtherHostsAreRefusedAndLeaveNothing() {
        List<String> before = fabricNetworks().stream().map(n -> n.path("name").asText() + " " + n.path("subnet").asText())
                .sorted().toList();
        // an overlapping subnet under a new name, on h2
        Cmd.Result overlap = lab.docker("h2", "network", "create", "-d", "ovsfabric", "--ipam-driver", "ovsfabric",
                "--subnet", "10.203.128.0/24", "dover");
        System.out.println("overlapping subnet on h2: " + overlap.err().strip());
        assertFalse(overlap.ok(), "an overlapping subnet must be refused: " + overlap.out());
        assertTrue(overlap.err().contains("overlaps fabric network " + DNET), overlap.err());
        // the same name with another subnet, on h3
        Cmd.Result sameName = lab.docker("h3", "network", "create", "-d", "ovsfabric", "--ipam-driver", "ovsfabric",
                "--subnet", "10.213.0.0/16", DNET);
        System.out.println("same name, other subnet on h3: " + sameName.err().strip());
        assertFalse(sameName.ok(), "a second " + DNET + " must be refused: " + sameName.out());
        assertTrue(sameName.err().contains("already exists"), sameName.err());
        // the very same subnet under another name, on h2: a second name for one fabric network
        Cmd.Result alias = lab.docker("h2", "network", "create", "-d", "ovsfabric", "--ipam-driver", "ovsfabric",
                "--subnet", DNET_SUBNET, "dalias");
        System.out.println("same subnet, other name on h2: " + alias.err().strip());
        assertFalse(alias.ok(), "the subnet of " + DNET + " under another name must be refused: " + alias.out());
        assertTrue(alias.err().contains("is fabric network " + DNET), alias.err());

        // nothing half-applied: no such network in any engine or in the controller, no stray pool in h2's plugin
        for (String host : HOSTS) {
            List<String> names = engineNetworks(host);
            assertFalse(names.contains("dover") || names.contains("dalias"), host + ": " + names);
        }
        List<String> after = fabricNetworks().stream().map(n -> n.path("name").asText() + " " + n.path("subnet").asText())
                .sorted().toList();
        assertEquals(before, after, "fabric networks");
        assertTrue(pluginPool("h2", "10.203.128.0/24").isEmpty(), pluginState("h2").toString());
        assertEquals(1, pluginState("h2").path("pools").size() - (pluginPool("h2", NATNET_SUBNET).isPresent() ? 1 : 0),
                "h2 plugin pools: " + pluginState("h2").path("pools"));
    }

    @Test
    @Order(3)
    void dockerNetworkRmOnACopyComesBackOnTheOriginHostItDeletesEverywhere() {
        // containers on h1 and h3 go; d-h2 stays: the origin's rm must not take the network from under it
        lab.docker("h1", "rm", "-f", "d-h1").orThrow();
        lab.docker("h3", "rm", "-f", "d-h3").orThrow();
        Cmd.Result rmOrigin = lab.docker("h1", "network", "rm", DNET);
        System.out.println("docker network rm on h1 while d-h2 uses it: exit " + rmOrigin.exit() + " " + rmOrigin.err().strip());
        JsonNode back = Poll.until(DNET + " back on h1 (d-h2 on h2 still uses it)", SYNC,
                () -> engineNetworks("h1").contains(DNET) ? Optional.of(inspectNetwork("h1", DNET)) : Optional.empty(),
                () -> lab.docker("h1", "network", "ls").out());
        assertTrue(fabricNetworks().stream().anyMatch(n -> n.path("name").asText().equals(DNET)), "still in the controller");
        assertEquals("ovsfabric-agent", back.path("Labels").path("io.ovsfabric.managed-by").asText(), "recreated by the agent: " + back);
        assertEquals(DNET_SUBNET, back.path("IPAM").path("Config").path(0).path("Subnet").asText(), back.toString());
        awaitPing("d-h2", dnetMembers.get("d-h2")); // itself: its link is untouched
        lab.docker("h1", "run", "-d", "--name", "d-h1b", "--network", DNET, IMAGE, "sleep", "900").orThrow();
        awaitPing("d-h1b", "d-h2");
        lab.docker("h1", "rm", "-f", "d-h1b").orThrow();
        lab.docker("h2", "rm", "-f", "d-h2").orThrow();

        // on a host that did not define it: only the local copy goes, and the agent brings it back
        String copyId = inspectNetwork("h3", DNET).path("Id").asText();
        lab.docker("h3", "network", "rm", DNET).orThrow();
        Poll.until(DNET + " recreated on h3", SYNC, () -> engineNetworks("h3").contains(DNET)
                && !inspectNetwork("h3", DNET).path("Id").asText().equals(copyId) ? Optional.of(true) : Optional.empty(),
                () -> lab.docker("h3", "network", "ls").out());
        assertTrue(fabricNetworks().stream().anyMatch(n -> n.path("name").asText().equals(DNET)), "still in the controller");

        // on the origin host, with no container left anywhere: gone from the controller and every engine
        lab.docker("h1", "network", "rm", DNET).orThrow();
        Poll.until(DNET + " gone from the controller and every engine", SYNC, () -> {
            boolean gone = fabricNetworks().stream().noneMatch(n -> n.path("name").asText().equals(DNET))
                    && HOSTS.stream().noneMatch(h -> engineNetworks(h).contains(DNET));
            return gone ? Optional.of(true) : Optional.empty();
        }, () -> fabricNetworks() + " " + HOSTS.stream().map(h -> h + "=" + engineNetworks(h)).toList());
        for (String host : HOSTS) {
            Poll.until(host + "'s plugin forgot the pool of " + DNET_SUBNET, SYNC,
                    () -> pluginPool(host, DNET_SUBNET).isEmpty() ? Optional.of(true) : Optional.empty(),
                    () -> pluginState(host).toString());
        }
    }

    @Test
    @Order(4)
    void containerOnAnOvsfabricctlNetworkReachesTheOutsideAsItsHost() {
        for (String host : List.of("h2", "h3")) {
            Poll.until(NATNET + " in " + host + "'s engine", SYNC, () -> engineNetworks(host).contains(NATNET)
                    ? Optional.of(true) : Optional.empty(), () -> lab.docker(host, "network", "ls").out());
            String name = "n-" + host;
            lab.docker(host, "run", "-d", "--name", name, "--network", NATNET, IMAGE, "sleep", "900").orThrow();
            String ip = addressOn(host, name, NATNET);
            assertTrue(ip.startsWith("10.204."), name + " address " + ip);
            String url = "http://" + Lab.OUTSIDE_IP + "/cgi-bin/whoami";
            String seen = Poll.until(name + " fetches " + url, Duration.ofSeconds(20), () -> {
                // busybox 1.35's wget crashes with -T: bound it with timeout instead
                Cmd.Result r = lab.docker(host, "exec", name, "timeout", "5", "wget", "-q", "-O", "-", url);
                return r.ok() ? Optional.of(r.out().strip()) : Optional.empty();
            }, () -> lab.docker(host, "exec", name, "timeout", "5", "wget", "-q", "-O", "-", url).describe()
                    + "\nnat: " + lab.exec(host, "iptables-save", "-t", "nat").out());
            System.out.println(name + " (" + ip + ") seen by the outside server as " + seen);
            assertEquals(Lab.underlayIp(host), seen, "source address the outside saw for " + name);
        }
    }

    @Test
    @Order(5)
    void ovsfabricctlNetworkRmRemovesItEverywhereAndIpamCheckIsClean() {
        for (String host : List.of("h2", "h3")) {
            lab.docker(host, "rm", "-f", "n-" + host).orThrow();
        }
        lab.ctl("network", "rm", NATNET).orThrow();
        Poll.until(NATNET + " gone from every engine", SYNC, () -> HOSTS.stream().noneMatch(h -> engineNetworks(h)
                .contains(NATNET)) ? Optional.of(true) : Optional.empty(),
                () -> HOSTS.stream().map(h -> h + "=" + engineNetworks(h)).toList().toString());
        assertEquals(List.of(), fabricNetworks(), "fabric networks left");
        for (String host : HOSTS) {
            Poll.until(host + "'s plugin holds no pool", SYNC, () -> pluginState(host).path("pools").isEmpty()
                    ? Optional.of(true) : Optional.empty(), () -> pluginState(host).toString());
        }
        Poll.until("ipam check finds nothing", Duration.ofSeconds(90), () -> {
            Cmd.Result r = lab.ctl("ipam", "check", "--min-age", "1", "-o", "json");
            JsonNode j = readJson(r.out());
            return r.ok() && j.path("findings").isEmpty() && j.path("unreported_hosts").isEmpty() ? Optional.of(j) : Optional.empty();
        }, () -> lab.ctl("ipam", "check", "--min-age", "1", "-o", "json").out());
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static void awaitPing(String src, String target) {
        String host = "h" + src.charAt(src.indexOf('h') + 1);
        Poll.until(src + " pings " + target, Duration.ofSeconds(30),
                () -> lab.docker(host, "exec", src, "ping", "-c1", "-W1", target).ok() ? Optional.of(true) : Optional.empty(),
                () -> lab.docker(host, "exec", src, "ping", "-c1", "-W1", target).describe());
    }

    private static String addressOn(String host, String container, String network) {
        return lab.docker(host, "inspect", "-f", "{{(index .NetworkSettings.Networks \"" + network + "\").IPAddress}}",
                container).orThrow().out().strip();
    }

    /** Names of the host engine's networks of the ovsfabric driver. */
    private static List<String> engineNetworks(String host) {
        return lab.docker(host, "network", "ls", "--filter", "driver=ovsfabric", "--format", "{{.Name}}").orThrow()
                .out().lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private static JsonNode inspectNetwork(String host, String network) {
        return readJson(lab.docker(host, "network", "inspect", network).orThrow().out()).path(0);
    }

    /** ovsfabricctl network ls -o json */
    private static List<JsonNode> fabricNetworks() {
        List<JsonNode> out = new ArrayList<>();
        readJson(lab.ctl("network", "ls", "-o", "json").orThrow().out()).forEach(out::add);
        return out;
    }

    /** The host's plugin state file (what its IPAM handed out), as the agent last saved it. */
    private static JsonNode pluginState(String host) {
        Path file = lab.stateDir().resolve("hosts").resolve(host).resolve("agent").resolve("docker-plugin.json");
        try {
            return JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static Optional<JsonNode> pluginPool(String host, String subnet) {
        for (JsonNode pool : pluginState(host).path("pools")) {
            if (pool.path("subnet").asText().equals(subnet)) {
                return Optional.of(pool);
            }
        }
        return Optional.empty();
    }

    private static JsonNode readJson(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException("not JSON:\n" + text, e);
        }
    }
}
