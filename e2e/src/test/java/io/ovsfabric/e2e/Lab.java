package io.ovsfabric.e2e;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * One lab of Docker hosts, driven only through deploy/lab.sh (the same commands a user types), with its own name
 * so that a user's lab is never touched.
 */
final class Lab {
    static final String FABRIC_CIDR = "10.200.0.0/16";
    static final String OUTSIDE_IP = "192.0.2.100";

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** A host as the controller reports it (ovsfabricctl hosts -o json). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record HostRecord(String hostId, String state, String underlayIp, String subnet, String gateway) {}

    /** A running container of the lab (hN-cM) and its fabric address. */
    record Container(String host, String name, String ip) {}

    /**
     * {@code -De2e.kernel=true}: every lab is a kernel-datapath lab ({@code lab.sh up --kernel-datapath}: the same lab
     * inside a user-mode-linux guest, OVS on datapath system with kernel GRE, see docs/kernel-lab.md). Everything
     * there is 5-10x slower: the lab's own command deadlines grow by {@link #slowness()}.
     */
    static boolean kernel() {
        return Boolean.getBoolean("e2e.kernel");
    }

    /** How many times slower than the namespace lab this lab's commands may be ({@code e2e.slowness}). */
    static long slowness() {
        return Long.getLong("e2e.slowness", kernel() ? 5 : 1);
    }

    /** {@code d} stretched by {@link #slowness()}: for deadlines a kernel lab needs longer to meet. */
    static Duration patient(Duration d) {
        return d.multipliedBy(slowness());
    }

    private final String name;
    private final Path repo;
    private final Map<String, String> env = new HashMap<>();
    private final Path out;

    private Lab(String name, Path repo, String bin, Path out) {
        this.name = name;
        this.repo = repo;
        this.out = out;
        if (bin != null && !bin.isBlank()) {
            env.put("OVSFABRIC_LAB_BIN", bin);
        }
    }

    /** The lab for one test class, configured by the failsafe system properties (see e2e/pom.xml). */
    static Lab fromSystemProperties(String testClass) {
        Path repo = Path.of(System.getProperty("e2e.repo", "..")).toAbsolutePath().normalize();
        Path out = Path.of(System.getProperty("e2e.out", "target/e2e")).toAbsolutePath().resolve(testClass);
        return new Lab(System.getProperty("e2e.lab.name", "ofe2e"), repo, System.getProperty("e2e.bin"), out);
    }

    /**
     * Like {@link #fromSystemProperties(String)}, but the lab's name also carries {@code tag} and a random suffix
     * (e.g. ofe2edc3f9), so that this class's lab never meets a lab of another suite running on the same machine.
     * lab.sh allows 10 characters: the configured name is shortened to make room.
     */
    static Lab fromSystemProperties(String testClass, String tag) {
        String base = System.getProperty("e2e.lab.name", "ofe2e");
        String suffix = tag + String.format("%03x", new java.security.SecureRandom().nextInt(0x1000));
        String name = base.substring(0, Math.min(base.length(), 10 - suffix.length())) + suffix;
        Path repo = Path.of(System.getProperty("e2e.repo", "..")).toAbsolutePath().normalize();
        Path out = Path.of(System.getProperty("e2e.out", "target/e2e")).toAbsolutePath().resolve(testClass);
        return new Lab(name, repo, System.getProperty("e2e.bin"), out);
    }

    /** The lab needs root (namespaces, OVS, dockerd): without it the tests are skipped, saying why. */
    static void assumeRoot() {
        boolean root;
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
            root = lines.anyMatch(l -> l.matches("Uid:\\s+0\\s.*"));
        } catch (IOException e) {
            root = false;
        }
        Assumptions.assumeTrue(root, "end-to-end tests skipped: they need root (network namespaces, OVS, dockerd);"
                + " run 'sudo deploy/test.sh' or 'mvn -B verify -pl e2e -am' as root");
    }

    String name() {
        return name;
    }

    Path stateDir() {
        return repo.resolve("lab-state").resolve(name);
    }

    Path outDir() {
        try {
            return Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** deploy/lab.sh --name NAME ARGS... */
    Cmd.Result lab(Duration timeout, String... args) {
        return Cmd.run(labArgv(args), env, patient(timeout));
    }

    /** The argv of deploy/lab.sh --name NAME ARGS... (for a command that keeps running, such as a capture). */
    List<String> labArgv(String... args) {
        List<String> argv = new ArrayList<>(List.of("bash", repo.resolve("deploy/lab.sh").toString(), "--name", name));
        argv.addAll(List.of(args));
        return argv;
    }

    Map<String, String> env() {
        return Map.copyOf(env);
    }

    void up(String... args) {
        List<String> all = new ArrayList<>(List.of("up", "--no-build"));
        if (kernel()) {
            all.add("--kernel-datapath");
        }
        all.addAll(List.of(args));
        Cmd.Result r = lab(Duration.ofMinutes(6), all.toArray(String[]::new));
        System.out.println(r.err());
        System.out.println(r.out());
        r.orThrow();
    }

    /** Adds the next host; returns its name (hN). */
    String addHost(boolean waitForConnectivity) {
        Cmd.Result r = waitForConnectivity ? lab(Duration.ofMinutes(3), "add-host") : lab(Duration.ofMinutes(3), "add-host", "--no-wait");
        System.out.println(r.err());
        r.orThrow();
        List<String> lines = r.out().lines().filter(l -> l.matches("h\\d+")).toList();
        if (lines.isEmpty()) {
            throw new IllegalStateException("add-host printed no host name:\n" + r.out());
        }
        return lines.get(0);
    }

    void killHost(String host) {
        Cmd.Result r = lab(Duration.ofMinutes(1), "kill-host", host);
        System.out.println(r.err());
        r.orThrow();
    }

    Cmd.Result down() {
        return lab(Duration.ofMinutes(3), "down");
    }

    Cmd.Result docker(String host, String... args) {
        List<String> all = new ArrayList<>(List.of("docker", host));
        all.addAll(List.of(args));
        return lab(Duration.ofMinutes(2), all.toArray(String[]::new));
    }

    /** A command inside a lab namespace: hN (OVS tools pointed at hN's OVS), sw, ctrl or out. */
    Cmd.Result exec(String target, String... args) {
        List<String> all = new ArrayList<>(List.of("exec", target));
        all.addAll(List.of(args));
        return lab(Duration.ofMinutes(2), all.toArray(String[]::new));
    }

    Cmd.Result ctl(String... args) {
        List<String> all = new ArrayList<>(List.of("ctl"));
        all.addAll(List.of(args));
        return lab(Duration.ofMinutes(1), all.toArray(String[]::new));
    }

    List<HostRecord> hosts() {
        String json = ctl("hosts", "-o", "json").orThrow().out();
        try {
            return JSON.readValue(json, new TypeReference<List<HostRecord>>() {});
        } catch (IOException e) {
            throw new IllegalStateException("ovsfabricctl hosts -o json printed something that is not a host list:\n" + json, e);
        }
    }

    HostRecord host(String hostId) {
        return hosts().stream().filter(h -> h.hostId().equals(hostId)).findFirst()
                .orElseThrow(() -> new AssertionError("the controller does not know host " + hostId + ": " + hosts()));
    }

    /** Hosts the lab has added and not killed, in order (h1, h2, ...). */
    List<String> liveHosts() {
        Path hosts = stateDir().resolve("hosts");
        try (Stream<Path> dirs = Files.list(hosts)) {
            return dirs.filter(d -> d.getFileName().toString().matches("h\\d+") && !Files.exists(d.resolve("killed")))
                    .map(d -> d.getFileName().toString())
                    .sorted((a, b) -> Integer.compare(Integer.parseInt(a.substring(1)), Integer.parseInt(b.substring(1))))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + hosts, e);
        }
    }

    /** The lab's own containers (hN-cM) on live hosts with their fabric addresses. */
    List<Container> containers() {
        List<Container> all = new ArrayList<>();
        for (String host : liveHosts()) {
            String names = docker(host, "ps", "--format", "{{.Names}}").orThrow().out();
            for (String n : names.lines().filter(l -> l.matches(host + "-c\\d+")).sorted().toList()) {
                String ip = docker(host, "inspect", "-f", "{{.NetworkSettings.IPAddress}}", n).orThrow().out().strip();
                all.add(new Container(host, n, ip));
            }
        }
        return all;
    }

    /** What {@code lab.sh leader} prints: the leading controller, the etcd leader, each agent's controller(s). */
    record Leaders(String controller, String etcd, Map<String, List<String>> agents) {
        /** The controller most agents are attached to (the one "the agents use"). */
        String controllerMostUsed() {
            Map<String, Integer> count = new java.util.TreeMap<>();
            agents.values().forEach(cs -> cs.forEach(c -> count.merge(c, 1, Integer::sum)));
            return count.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                    .orElseThrow(() -> new AssertionError("no agent is attached to any controller: " + agents));
        }
    }

    /**
     * A fault command of lab.sh (kill-controller c1, start-etcd e2, partition h2, restart-ovs h3, ...): prints what it
     * did and returns its stdout; fails if lab.sh did.
     */
    String fault(String... args) {
        Cmd.Result r = lab(Duration.ofMinutes(3), args);
        System.out.print(r.out());
        return r.orThrow().out().strip();
    }

    Leaders leader() {
        String out = lab(Duration.ofMinutes(1), "leader").orThrow().out();
        String controller = field(out, "controller leader");
        String etcd = field(out, "etcd leader");
        return new Leaders(controller, etcd, connections(field(out, "agents")));
    }

    /** What {@code lab.sh connections} prints, as host -> the controllers it is connected to (no JVM, no RPC). */
    Map<String, List<String>> agentConnections() {
        return connections(lab(Duration.ofSeconds(30), "connections").orThrow().out());
    }

    private static Map<String, List<String>> connections(String text) {
        Map<String, List<String>> agents = new java.util.TreeMap<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(h\\d+)->(c\\d+)").matcher(text);
        while (m.find()) {
            agents.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(m.group(2));
        }
        return agents;
    }

    private static String field(String text, String name) {
        return text.lines().filter(l -> l.startsWith(name + ":")).map(l -> l.substring(name.length() + 1).strip())
                .findFirst().orElseThrow(() -> new IllegalStateException("lab.sh leader printed no '" + name + "':\n" + text));
    }

    /** br0's flows on a host without counters, sorted: equal lists mean no flow churn. */
    List<String> flows(String host) {
        String out = exec(host, "ovs-ofctl", "-O", "OpenFlow13", "--no-stats", "dump-flows", "br0").orThrow().out();
        return out.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("OFPST_FLOW")).sorted().toList();
    }

    static String underlayIp(String host) {
        return "192.0.2." + (10 + Integer.parseInt(host.substring(1)));
    }

    /** Copies the lab's logs next to the test reports (before down removes them). */
    void saveLogs() {
        if (kernel()) {
            lab(Duration.ofMinutes(1), "sync-logs");   // the logs live in the UML guest until then
        }
        Path logs = stateDir().resolve("logs");
        if (!Files.isDirectory(logs)) {
            return;
        }
        Path dest = outDir().resolve("lab-logs");
        try (Stream<Path> files = Files.list(logs)) {
            Files.createDirectories(dest);
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, dest.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            System.out.println("lab logs copied to " + dest);
        } catch (IOException e) {
            System.out.println("could not copy lab logs from " + logs + ": " + e);
        }
    }

    /** Always called from @AfterAll: keep the logs, then remove the lab even if the tests failed. */
    void saveLogsAndDown() {
        saveLogs();
        Cmd.Result r = down();
        System.out.println(r.err());
        if (!r.ok()) {
            System.out.println("WARNING: lab down failed: " + r.describe());
        }
    }
}
