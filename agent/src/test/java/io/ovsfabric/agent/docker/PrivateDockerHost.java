package io.ovsfabric.agent.docker;

import io.ovsfabric.agent.linux.Command;
import io.ovsfabric.agent.linux.CommandResult;
import io.ovsfabric.agent.linux.ProcessCommandRunner;

import io.ovsfabric.common.testing.Poll;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A throwaway Docker host for integration tests: a network namespace with an underlay interface (eth1, 192.0.2.11/24,
 * default route via 192.0.2.1), its own OVS (own run dir; the agent's data plane makes the bridges) and its own dockerd (own data root, exec root, socket, pidfile, containerd namespace) started in a
 * private mount namespace where /run/docker/plugins is this host's plugin dir. Every name carries the tag
 * {@code dk} and a random suffix; {@link #close()} removes everything, also after a failed start.
 */
final class PrivateDockerHost implements AutoCloseable {
    final String tag = "dk-" + HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt(256),
            (byte) ThreadLocalRandom.current().nextInt(256)});
    final String netns = "ofx-" + tag;
    final Path dir = Path.of("/tmp", "ofx-" + tag);
    final Path pluginDir = dir.resolve("plugins");
    final Path stateDir = dir.resolve("state");
    final Path ovsDir = dir.resolve("ovs");
    final Path dockerSock = dir.resolve("docker.sock");
    final String image = "busybox:" + tag;
    final Sh sh = new Sh(new ProcessCommandRunner(Optional.empty(), Duration.ofSeconds(120)));

    /** The test's commands through the agent's one runner: argv lists in, stdout or the result out. */
    record Sh(ProcessCommandRunner runner) {
        CommandResult run(List<String> argv) {
            return runner.run(Command.of(argv));
        }

        String check(List<String> argv) {
            return runner.check(Command.of(argv)).stdout();
        }
    }
    private Process dockerd;
    private final Thread hook = new Thread(this::close, "cleanup-" + tag);

    String ovsdb() {
        return "unix:" + ovsDir.resolve("db.sock");
    }

    /** Runs commands inside the test namespace. */
    Sh inNetns() {
        return new Sh(new ProcessCommandRunner(Optional.of(netns), Duration.ofSeconds(120)));
    }

    void start() throws IOException {
        Runtime.getRuntime().addShutdownHook(hook);
        Files.createDirectories(pluginDir);
        Files.createDirectories(stateDir);
        Files.createDirectories(ovsDir);
        sh.check(List.of("ip", "netns", "add", netns));
        sh.check(List.of("ip", "-n", netns, "link", "set", "lo", "up"));
        sh.check(List.of("ip", "-n", netns, "link", "add", "eth1", "type", "veth", "peer", "name", "eth1-peer"));
        sh.check(List.of("ip", "-n", netns, "link", "set", "eth1", "up"));
        sh.check(List.of("ip", "-n", netns, "link", "set", "eth1-peer", "up"));
        sh.check(List.of("ip", "-n", netns, "addr", "add", "192.0.2.11/24", "dev", "eth1"));
        sh.check(List.of("ip", "-n", netns, "route", "add", "default", "via", "192.0.2.1", "dev", "eth1"));
        startOvs();
        startDockerd();
        importBusybox();
    }

    private void startOvs() {
        String env = "OVS_RUNDIR=" + ovsDir + " OVS_LOGDIR=" + ovsDir + " OVS_DBDIR=" + ovsDir + " ";
        sh.check(List.of("ovsdb-tool", "create", ovsDir.resolve("conf.db").toString(),
                "/usr/share/openvswitch/vswitch.ovsschema"));
        sh.check(List.of("sh", "-c", env + "ip netns exec " + netns + " ovsdb-server --remote=punix:" + ovsDir.resolve("db.sock")
                + " --pidfile=" + ovsDir.resolve("ovsdb.pid") + " --unixctl=" + ovsDir.resolve("ovsdb.ctl")
                + " --detach --log-file=" + ovsDir.resolve("ovsdb.log") + " " + ovsDir.resolve("conf.db")));
        sh.check(List.of("ovs-vsctl", "--db=" + ovsdb(), "--no-wait", "init"));
        sh.check(List.of("sh", "-c", env + "ip netns exec " + netns + " ovs-vswitchd " + ovsdb()
                + " --pidfile=" + ovsDir.resolve("vswitchd.pid") + " --unixctl=" + ovsDir.resolve("vswitchd.ctl")
                + " --detach --log-file=" + ovsDir.resolve("vswitchd.log")));
    }

    /** Stops dockerd (its containers stop with it) and starts it again on the same data: a dockerd restart. */
    void restartDockerd() throws IOException {
        stopDockerd();
        startDockerd();
    }

    private void startDockerd() throws IOException {
        // dockerd finds plugins only under /run/docker/plugins: give it this host's dir there, privately.
        Files.createDirectories(Path.of("/run/docker/plugins"));
        Path exec = dir.resolve("docker/exec");
        String script = "mount --bind " + pluginDir + " /run/docker/plugins && exec nsenter --net=/var/run/netns/" + netns
                + " dockerd --data-root " + dir.resolve("docker/data") + " --exec-root " + exec
                + " -H unix://" + dockerSock + " --pidfile " + dir.resolve("docker.pid")
                + " --containerd-namespace " + netns + " --containerd-plugins-namespace " + netns + "-p"
                + " --cgroup-parent /" + netns + " --bridge none --iptables=false --ip-masq=false";
        dockerd = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script)
                .redirectErrorStream(true).redirectOutput(dir.resolve("dockerd.log").toFile()).start();
        await("dockerd answers on " + dockerSock, Duration.ofSeconds(60), () -> docker("version").succeeded());
    }

    private void importBusybox() throws IOException {
        Path root = dir.resolve("busybox-root/bin");
        Files.createDirectories(root);
        Files.copy(Path.of("/bin/busybox"), root.resolve("busybox"));
        for (String applet : List.of("sh", "sleep", "ip", "ping", "cat", "ls", "nslookup")) {
            Files.createSymbolicLink(root.resolve(applet), Path.of("busybox"));
        }
        sh.check(List.of("sh", "-c", "tar -C " + root.getParent() + " -c . | docker -H unix://" + dockerSock
                + " import - " + image));
    }

    /** docker CLI against this host's engine. */
    CommandResult docker(String... args) {
        List<String> argv = new ArrayList<>(List.of("docker", "-H", "unix://" + dockerSock));
        argv.addAll(List.of(args));
        return sh.run(argv);
    }

    String dockerOk(String... args) {
        CommandResult r = docker(args);
        if (!r.succeeded()) {
            throw new AssertionError("docker " + String.join(" ", args) + " failed (" + r.exitCode() + "): " + r.stderr()
                    + "\n--- dockerd.log tail ---\n" + logTail());
        }
        return r.stdout().trim();
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("dockerd.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no dockerd.log: " + e.getMessage() + ")";
        }
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        Poll.until(what, timeout, condition);
    }

    @Override
    public synchronized void close() {
        if (dockerd != null) {
            quietly("remove containers", () -> {
                CommandResult ps = docker("ps", "-aq");
                if (ps.succeeded() && !ps.stdout().isBlank()) {
                    List<String> rm = new ArrayList<>(List.of("rm", "-f"));
                    rm.addAll(List.of(ps.stdout().trim().split("\\s+")));
                    docker(rm.toArray(String[]::new));
                }
            });
            quietly("stop dockerd", this::stopDockerd);
            quietly("kill leftover container processes", this::killContainerCgroups);
            dockerd = null;
        }
        for (String pidFile : List.of("vswitchd.pid", "ovsdb.pid")) {
            quietly("stop " + pidFile, () -> killPidFile(ovsDir.resolve(pidFile)));
        }
        quietly("delete netns", () -> sh.run(List.of("ip", "netns", "del", netns)));
        quietly("keep dockerd.log", () -> {
            try {
                if (Files.exists(dir.resolve("dockerd.log"))) {
                    Files.createDirectories(Path.of("target"));
                    Files.copy(dir.resolve("dockerd.log"), Path.of("target", "dockerd-" + tag + ".log"),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        quietly("remove " + dir, () -> sh.run(List.of("rm", "-rf", dir.toString())));
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: this is the hook
        }
    }

    /** Cleanup goes on whatever fails; what failed is printed for the test log. */
    private static void quietly(String step, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            System.err.println("cleanup step '" + step + "' failed: " + e);
        }
    }

    private void stopDockerd() {
        Path containerdPid = dir.resolve("docker/exec/containerd/containerd.pid");
        String managed = readPid(containerdPid);
        dockerd.destroy();   // SIGTERM: dockerd stops its containers and its own containerd
        try {
            if (!dockerd.waitFor(30, TimeUnit.SECONDS)) {
                dockerd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (managed != null) {
            killPid(managed);
        }
    }

    /** Containers run under cgroup parent /NETNS: whatever is left there after dockerd stopped is ours. */
    private void killContainerCgroups() {
        try (var roots = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path root : roots.toList()) {
                Path parent = Files.isDirectory(root.resolve(netns)) ? root.resolve(netns)
                        : root.getFileName().toString().equals(netns) ? root : null;
                if (parent == null) {
                    continue;
                }
                try (var walk = Files.walk(parent)) {
                    List<Path> dirs = walk.filter(Files::isDirectory).sorted(java.util.Comparator.reverseOrder()).toList();
                    for (Path d : dirs) {
                        Path procs = d.resolve("cgroup.procs");
                        if (Files.exists(procs)) {
                            for (String pid : Files.readAllLines(procs)) {
                                if (!pid.isBlank()) {
                                    ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
                                }
                            }
                        }
                    }
                    for (Path d : dirs) {
                        await("cgroup " + d + " is empty", Duration.ofSeconds(10), () -> d.toFile().delete() || !Files.exists(d));
                    }
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void killPidFile(Path file) {
        String pid = readPid(file);
        if (pid != null) {
            killPid(pid);
        }
    }

    private void killPid(String pid) {
        ProcessHandle.of(Long.parseLong(pid)).ifPresent(p -> {
            p.destroy();
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        });
    }

    private static String readPid(Path file) {
        try {
            String pid = Files.readString(file).trim();
            return pid.matches("\\d+") ? pid : null;
        } catch (IOException e) {
            return null;
        }
    }

    Map<String, String> ovsExternalIds(String port) {
        String out = sh.check(List.of("ovs-vsctl", "--db=" + ovsdb(), "--timeout=10", "get", "Interface", port, "external_ids"));
        Map<String, String> ids = new java.util.LinkedHashMap<>();
        String body = out.trim().replaceAll("^\\{|\\}$", "");
        for (String kv : body.split(", (?=[a-z-]+=)")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                ids.put(kv.substring(0, eq), kv.substring(eq + 1).replaceAll("^\"|\"$", ""));
            }
        }
        return ids;
    }
}
