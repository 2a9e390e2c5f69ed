package io.ovsfabric.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * User-defined fabric networks end to end (issue 5): two networks defined once with ovsfabricctl appear in every
 * host's engine; containers on them get distinct addresses from the controller, reach each other across hosts by IP
 * and by name, cannot reach the other network, and give their addresses back when they and the networks go.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FabricNetworksIT {
    private static final List<String> HOSTS = List.of("h1", "h2", "h3");
    private static final List<String> NETWORKS = List.of("appnet", "othernet");
    private static final Map<String, String> SUBNETS = Map.of("appnet", "10.201.0.0/16", "othernet", "10.202.0.0/16");
    private static final int PER_HOST = 2;
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static Lab lab;
    /** container name -> (host, network, address as docker inspect shows it) */
    private static final Map<String, Member> members = new LinkedHashMap<>();

    record Member(String host, String network, String ip) {}

    @BeforeAll
    static void up() {
        Lab.assumeRoot();
        lab = Lab.fromSystemProperties(FabricNetworksIT.class.getSimpleName());
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
    void networksDefinedOnceExistOnEveryHostAndContainersGetDistinctControllerAddresses() {
        for (String network : NETWORKS) {
            lab.ctl("network", "create", network, "--subnet", SUBNETS.get(network)).orThrow();
        }
        for (String host : HOSTS) {
            Poll.until(host + " engine has both fabric networks", Duration.ofSeconds(60), () -> {
                String names = lab.docker(host, "network", "ls", "--filter", "driver=ovsfabric", "--format",
                        "{{.Name}}").out();
                return names.lines().toList().containsAll(NETWORKS) ? Optional.of(true) : Optional.empty();
            }, () -> lab.docker(host, "network", "ls").out());
        }
        for (String host : HOSTS) {
            for (String network : NETWORKS) {
                for (int i = 1; i <= PER_HOST; i++) {
                    String name = network.substring(0, 3) + "-" + host + "-" + i;
                    lab.docker(host, "run", "-d", "--name", name, "--network", network, "busybox:lab", "sleep", "900")
                            .orThrow();
                    String ip = lab.docker(host, "inspect", "-f",
                            "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name).orThrow().out().strip();
                    members.put(name, new Member(host, network, ip));
                }
            }
        }
        Set<String> addresses = new HashSet<>();
        members.values().forEach(m -> addresses.add(m.ip()));
        assertEquals(members.size(), addresses.size(), "every container has its own address: " + members);

        // the controller agrees with every engine (names arrive through the engine sync: poll)
        Poll.until("the controller lists every container with its docker address", Duration.ofSeconds(60), () -> {
            Map<String, String> byName = endpoints();
            for (Map.Entry<String, Member> m : members.entrySet()) {
                if (!m.getValue().ip().equals(byName.get(m.getKey() + "@" + m.getValue().network()))) {
                    return Optional.empty();
                }
            }
            return Optional.of(true);
        }, () -> endpoints() + " vs " + members);
    }

    @Test
    @Order(2)
    void sameNetworkPairsAcrossHostsPingByIpAndByName() {
        for (Map.Entry<String, Member> src : members.entrySet()) {
            if (!src.getKey().endsWith("-1")) {
                continue; // one source per host and network keeps the suite fast
            }
            for (Map.Entry<String, Member> dst : members.entrySet()) {
                Member s = src.getValue();
                Member d = dst.getValue();
                if (!d.network().equals(s.network()) || d.host().equals(s.host())) {
                    continue;
                }
                for (String target : List.of(d.ip(), dst.getKey())) {
                    Poll.until(src.getKey() + " (" + s.host() + ") pings " + target + " (" + d.host() + ")",
                            Duration.ofSeconds(30), () -> ping(s.host(), src.getKey(), target) ? Optional.of(true)
                                    : Optional.empty(),
                            () -> lab.docker(s.host(), "exec", src.getKey(), "ping", "-c1", "-W1", target).out());
                }
            }
        }
    }

    @Test
    @Order(3)
    void crossNetworkPairsFailOnTheSameHostAndAcrossHosts() {
        List<String> reached = new ArrayList<>();
        for (String host : HOSTS) {
            String src = "app-" + host + "-1";
            for (Map.Entry<String, Member> dst : members.entrySet()) {
                if (dst.getValue().network().equals("othernet") && dst.getKey().endsWith("-1")) {
                    if (ping(host, src, dst.getValue().ip())) {
                        reached.add(src + " -> " + dst.getKey());
                    }
                }
            }
            String other = "oth-" + host + "-1";
            if (ping(host, other, members.get("app-" + host + "-2").ip())) {
                reached.add(other + " -> app-" + host + "-2");
            }
        }
        assertEquals(List.of(), reached, "containers reached another network");
        // and a name of the other network does not resolve to its address from here
        Cmd.Result lookup = lab.docker("h1", "exec", "app-h1-1", "nslookup", "oth-h2-1");
        assertTrue(!lookup.out().contains(members.get("oth-h2-1").ip()), lookup.out());
    }

    @Test
    @Order(4)
    void removingContainersAndNetworksReleasesEveryAddress() {
        for (Map.Entry<String, Member> m : members.entrySet()) {
            lab.docker(m.getValue().host(), "rm", "-f", m.getKey()).orThrow();
        }
        Poll.until("no endpoint left in the controller", Duration.ofSeconds(60),
                () -> endpoints().isEmpty() ? Optional.of(true) : Optional.empty(), () -> endpoints().toString());
        lab.docker("h1", "network", "rm", "othernet").orThrow();
        lab.ctl("network", "rm", "appnet").orThrow();
        lab.ctl("network", "rm", "othernet").orThrow();
        Poll.until("appnet and othernet gone from every engine", Duration.ofSeconds(60), () -> {
            for (String host : HOSTS) {
                if (!lab.docker(host, "network", "ls", "--filter", "driver=ovsfabric", "-q").out().isBlank()) {
                    return Optional.empty();
                }
            }
            return Optional.of(true);
        }, () -> lab.docker("h1", "network", "ls").out());
        assertEquals(Map.of(), endpoints());
        // the data plane dropped the networks' gateway ports and flows too
        Poll.until("h1 br0 has no network gateway port", Duration.ofSeconds(60), () ->
                lab.exec("h1", "ovs-vsctl", "list-ports", "br0").out().contains("ofxg") ? Optional.empty()
                        : Optional.of(true), () -> lab.exec("h1", "ovs-vsctl", "list-ports", "br0").out());
    }

    private static boolean ping(String host, String container, String target) {
        return lab.docker(host, "exec", container, "ping", "-c1", "-W1", target).ok();
    }

    /** container@network -> address, from ovsfabricctl endpoints -o json. */
    private static Map<String, String> endpoints() {
        String json = lab.ctl("endpoints", "-o", "json").orThrow().out();
        Map<String, String> out = new LinkedHashMap<>();
        try {
            for (JsonNode e : JSON.readTree(json)) {
                out.put(e.path("container_name").asText() + "@" + e.path("network").asText(), e.path("address").asText());
            }
        } catch (IOException e) {
            throw new IllegalStateException("ovsfabricctl endpoints -o json printed something else:\n" + json, e);
        }
        return out;
    }
}
