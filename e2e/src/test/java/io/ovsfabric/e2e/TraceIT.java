package io.ovsfabric.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ovsfabric.common.testing.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ovsfabricctl trace} on a three-host lab (issue 15), through {@code lab.sh ctl trace ...}: the stitched path
 * h1 -> GRE -> h3 for a docker0 pair and for a user-network pair (hosts, the tunnel to h3's underlay address, the
 * delivery to the destination's own port), and the exact drop of a cross-network pair ("different network").
 */
class TraceIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Lab lab;

    @BeforeAll
    static void up() {
        Lab.assumeRoot();
        lab = Lab.fromSystemProperties(TraceIT.class.getSimpleName(), "tr");
        lab.up("--hosts", "3", "--containers", "1");
        lab.ctl("network", "create", "appnet", "--subnet", "10.201.0.0/16").orThrow();
        lab.ctl("network", "create", "othernet", "--subnet", "10.202.0.0/16").orThrow();
        for (String host : List.of("h1", "h3")) {
            Poll.until(host + " engine has both fabric networks", Duration.ofSeconds(60), () -> {
                List<String> names = lab.docker(host, "network", "ls", "--filter", "driver=ovsfabric", "--format",
                        "{{.Name}}").out().lines().toList();
                return names.containsAll(List.of("appnet", "othernet")) ? Optional.of(true) : Optional.empty();
            }, () -> lab.docker(host, "network", "ls").out());
        }
        lab.docker("h1", "run", "-d", "--name", "app-h1", "--network", "appnet", "busybox:lab", "sleep", "900").orThrow();
        lab.docker("h3", "run", "-d", "--name", "app-h3", "--network", "appnet", "busybox:lab", "sleep", "900").orThrow();
        lab.docker("h3", "run", "-d", "--name", "oth-h3", "--network", "othernet", "busybox:lab", "sleep", "900").orThrow();
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.saveLogsAndDown();
        }
    }

    /** The trace as JSON, retried until the endpoints' flows are in (a container just started). */
    private static JsonNode trace(String expectedResult, String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of("trace"));
        argv.addAll(List.of(args));
        argv.addAll(List.of("-o", "json"));
        return Poll.until("trace " + String.join(" ", args) + " ends " + expectedResult, Duration.ofSeconds(60), () -> {
            Cmd.Result r = lab.ctl(argv.toArray(String[]::new));
            if (r.exit() != 0) {
                return Optional.empty();
            }
            JsonNode path = parse(r.out());
            return path.path("result").asText().equals(expectedResult) ? Optional.of(path) : Optional.empty();
        }, () -> {
            Cmd.Result r = lab.ctl(argv.toArray(String[]::new));
            return r.out() + r.err();
        });
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("ovsfabricctl trace -o json printed something else:\n" + text, e);
        }
    }

    private static List<String> categories(JsonNode hop) {
        return StreamSupport.stream(hop.path("steps").spliterator(), false).map(s -> s.path("category").asText()).toList();
    }

    /** The OVS port (on h3's br0) of a container's endpoint on a user network, found by Docker's endpoint id. */
    private static String endpointPort(String host, String container) {
        String endpoint = lab.docker(host, "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.EndpointID}}{{end}}",
                container).orThrow().out().strip();
        return lab.exec(host, "ovs-vsctl", "--bare", "--columns=name", "find", "interface",
                "external_ids:ovsfabric-docker-endpoint=" + endpoint).orThrow().out().strip();
    }

    private static void assertTunnelFromH1ToH3(JsonNode path, String expectedKey) {
        JsonNode hops = path.path("hops");
        assertEquals(2, hops.size(), path.toPrettyString());
        JsonNode h1 = hops.get(0);
        assertEquals("h1", h1.path("host").asText());
        assertEquals("br0", h1.path("bridge").asText());
        assertEquals("TUNNEL", h1.path("verdict").path("kind").asText(), h1.toPrettyString());
        assertEquals(Lab.underlayIp("h3"), h1.path("verdict").path("tunnel_dst").asText());
        assertEquals("h3", h1.path("verdict").path("peer_host").asText());
        assertEquals(expectedKey, h1.path("verdict").path("tunnel_id").asText());
        assertEquals(List.of("CLASSIFIER", "PEER_TUNNEL"), categories(h1));
        JsonNode h3 = hops.get(1);
        assertEquals("h3", h3.path("host").asText());
        assertTrue(h3.path("in_port_role").asText().startsWith("GRE tunnel from " + Lab.underlayIp("h1") + " (host h1)"),
                h3.toPrettyString());
        assertEquals("DELIVERED", h3.path("verdict").path("kind").asText());
        // on h3 the GRE is first admitted by its outer source (h1 is a fabric host), then sorted and delivered
        assertEquals(List.of("TUNNEL_ADMISSION", "CLASSIFIER", "LOCAL_DELIVERY"), categories(h3));
        assertEquals("h3", path.path("result_host").asText());
    }

    @Test
    void aDocker0PairGoesFromH1ThroughGreToH3sDocker0Link() {
        JsonNode path = trace("DELIVERED", "--from", "h1-c1", "--to", "h3-c1");
        assertEquals("docker0", path.path("from").path("network").asText());
        assertEquals("h1", path.path("from").path("host").asText());
        String fabricKey = "0x" + Long.toHexString(parse(lab.ctl("fabric", "-o", "json").orThrow().out())
                .path("tunnel_key").asLong());
        assertTunnelFromH1ToH3(path, fabricKey);
        assertTrue(path.path("hops").get(1).path("verdict").path("out_port").asText().startsWith("ofx-br0 "),
                path.toPrettyString());
        // the same, as an operator reads it
        String text = lab.ctl("trace", "--from", "h1-c1", "--to", "h3-c1").orThrow().out();
        System.out.println(text);
        assertTrue(text.contains("=> GRE tunnel ofx-gre (2), key " + fabricKey + ", to " + Lab.underlayIp("h3")
                + " (host h3)"), text);
        assertTrue(text.contains("result: DELIVERED on host h3 to h3-c1 ("), text);
    }

    @Test
    void aUserNetworkPairTunnelsWithItsOwnKeyAndReachesTheDestinationsPort() {
        JsonNode path = trace("DELIVERED", "--from", "app-h1", "--to", "app-h3", "--proto", "tcp", "--dport", "80");
        assertEquals("appnet", path.path("to").path("network").asText());
        String key = path.path("hops").get(0).path("verdict").path("tunnel_id").asText();
        assertTrue(!key.isEmpty() && !key.equals("0x0"), path.toPrettyString());
        assertTunnelFromH1ToH3(path, key);
        String port = endpointPort("h3", "app-h3");
        JsonNode delivered = path.path("hops").get(1).path("verdict");
        assertTrue(delivered.path("out_port").asText().startsWith(port + " "), port + " vs " + delivered);
        assertTrue(delivered.path("out_port_role").asText().contains("container app-h3 on network appnet"),
                delivered.toPrettyString());
        assertTrue(path.path("hops").get(0).path("flow").asText().contains("tcp_dst=80"), path.toPrettyString());
        String text = lab.ctl("trace", "--from", "app-h1", "--to", "app-h3", "--proto", "tcp", "--dport", "80").orThrow()
                .out();
        System.out.println(text);
        assertTrue(text.contains("result: DELIVERED on host h3 to app-h3 ("), text);
    }

    @Test
    void aCrossNetworkPairIsDroppedOnTheSourceHostBecauseItIsADifferentNetwork() {
        JsonNode path = trace("DROPPED", "--from", "app-h1", "--to", "oth-h3");
        assertEquals(1, path.path("hops").size(), path.toPrettyString());
        assertEquals("h1", path.path("result_host").asText());
        assertTrue(path.path("reason").asText().startsWith("different network"), path.toPrettyString());
        JsonNode drop = path.path("hops").get(0).path("verdict").path("drop_flow");
        assertEquals("NETWORK_ISOLATION", drop.path("category").asText());
        assertTrue(drop.path("match").asText().contains("nw_dst=10.202.0.0/16"), drop.toPrettyString());
        String text = lab.ctl("trace", "--from", "app-h1", "--to", "oth-h3").orThrow().out();
        System.out.println(text);
        assertTrue(text.contains("result: DROPPED on host h1: different network"), text);
        assertTrue(text.contains("(appnet -> othernet)"), text);
    }

    @Test
    void anUnknownContainerIsABadCommandLineThatSaysWhereToLook() {
        Cmd.Result r = lab.ctl("trace", "--from", "no-such-container", "--to", "h3-c1");
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("no container named 'no-such-container'"), r.err());
    }
}
