package io.ovsfabric.agent.testing;

import io.ovsfabric.agent.linux.Command;
import io.ovsfabric.agent.linux.CommandResult;
import io.ovsfabric.agent.linux.ProcessCommandRunner;
import io.ovsfabric.agent.ovs.OvsdbTarget;
import io.ovsfabric.common.testing.Poll;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A network namespace with its own ovsdb-server and ovs-vswitchd (userspace datapath), for integration tests
 * (LAB-NOTES recipe). Everything lives in a private run dir: the database, {@code db.sock}, the bridges'
 * {@code <bridge>.mgmt} sockets (OVS_RUNDIR), pid files and logs. ovsdb-server listens on the unix socket and on
 * {@code ptcp:6640:127.0.0.1} inside the namespace. Unix sockets are files, so a test JVM in the root namespace
 * reaches both OVSDB and OpenFlow of the namespace's OVS; commands that must see the namespace's links run through
 * {@link #runner()} ({@code ip netns exec NS ...}).
 *
 * <pre>
 * try (OvsNamespace ns = OvsNamespace.start("dp", "h1")) {
 *     ns.vsctl("add-br", "br0");
 *     ns.exec("ip", "link");
 * }
 * </pre>
 * Names are unique ({@code ofx-<tag>-<random>-<role>}); {@link #close()} stops the daemons it started (by their
 * pid files), deletes the namespace and the run dir, and a JVM shutdown hook does the same for anything a failed
 * test left open.
 */
public final class OvsNamespace implements AutoCloseable {
    private static final Set<OvsNamespace> OPEN = ConcurrentHashMap.newKeySet();
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(OvsNamespace::close), "ovs-namespace-cleanup"));
    }

    private final String name;
    private final Path rundir;
    private final ProcessCommandRunner runner;
    private final ProcessCommandRunner root = ProcessCommandRunner.local();
    private final List<String> daemons = new ArrayList<>();
    private final List<String> containers = new ArrayList<>();

    private OvsNamespace(String name, Path rundir) {
        this.name = name;
        this.rundir = rundir;
        this.runner = ProcessCommandRunner.inNamespace(name);
    }

    /** A random 4-hex-digit id for names that must not clash with other tests or helpers. */
    public static String randomId() {
        return String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
    }

    /** Starts a namespace {@code ofx-<tag>-<random>-<role>} with its own OVS. */
    public static OvsNamespace start(String tag, String role) {
        return start("ofx-" + tag + "-" + randomId() + "-" + role);
    }

    public static OvsNamespace start(String name) {
        OvsNamespace ns;
        try {
            ns = new OvsNamespace(name, Files.createTempDirectory(name + "-"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a run dir for " + name, e);
        }
        OPEN.add(ns);
        try {
            ns.boot();
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    private void boot() {
        root.check(Command.of("ip", "netns", "add", name));
        exec("ip", "link", "set", "lo", "up");
        String db = rundir.resolve("conf.db").toString();
        root.check(Command.of("ovsdb-tool", "create", db, "/usr/share/openvswitch/vswitch.ovsschema"));
        runner.check(ovs("ovsdb-server", db, "--remote=punix:" + dbSocket(), "--remote=ptcp:6640:127.0.0.1",
                "--pidfile=" + rundir.resolve("ovsdb-server.pid"), "--unixctl=" + rundir.resolve("ovsdb-server.ctl"),
                "--detach", "-vconsole:off", "--log-file=" + rundir.resolve("ovsdb-server.log")));
        daemons.add("ovsdb-server");
        vsctl("--no-wait", "init");
        runner.check(ovs("ovs-vswitchd", "unix:" + dbSocket(), "--pidfile=" + rundir.resolve("ovs-vswitchd.pid"),
                "--unixctl=" + rundir.resolve("ovs-vswitchd.ctl"), "--detach", "-vconsole:off",
                "--log-file=" + rundir.resolve("ovs-vswitchd.log")));
        daemons.add("ovs-vswitchd");
    }

    private Command ovs(String... argv) {
        return Command.of(argv).withEnv(env());
    }

    private Map<String, String> env() {
        return Map.of("OVS_RUNDIR", rundir.toString(), "OVS_DBDIR", rundir.toString(), "OVS_LOGDIR", rundir.toString());
    }

    private long pid(String daemon) {
        try {
            return Long.parseLong(Files.readString(rundir.resolve(daemon + ".pid")).trim());
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException(daemon + " of " + name + " wrote no pid file; see " + rundir, e);
        }
    }

    public String name() {
        return name;
    }

    public Path rundir() {
        return rundir;
    }

    public Path dbSocket() {
        return rundir.resolve("db.sock");
    }

    public OvsdbTarget ovsdbTarget() {
        return OvsdbTarget.unix(dbSocket());
    }

    /** Runs commands inside the namespace. */
    public ProcessCommandRunner runner() {
        return runner;
    }

    /** Runs a command inside the namespace; fails the test on a non-zero exit. */
    public CommandResult exec(String... argv) {
        return runner.check(Command.of(argv));
    }

    /** ovs-vsctl against this namespace's database; returns stdout. */
    public String vsctl(String... args) {
        List<String> argv = new ArrayList<>(List.of("ovs-vsctl", "--timeout=10", "--db=unix:" + dbSocket()));
        argv.addAll(List.of(args));
        return root.check(Command.of(argv).withEnv(env())).stdout();
    }

    /** {@code ovs-ofctl -O OpenFlow13 dump-flows} of a bridge (through its management socket); returns stdout. */
    public String dumpFlows(String bridge, String... filter) {
        List<String> argv = new ArrayList<>(List.of("ovs-ofctl", "-O", "OpenFlow13", "dump-flows",
                "unix:" + rundir.resolve(bridge + ".mgmt")));
        argv.addAll(List.of(filter));
        return root.check(Command.of(argv)).stdout();
    }

    /** ovs-ofctl against a bridge's management socket, e.g. {@code ofctl("br0", "del-flows", "table=10")}. */
    public String ofctl(String bridge, String command, String... args) {
        List<String> argv = new ArrayList<>(List.of("ovs-ofctl", "-O", "OpenFlow13", command,
                "unix:" + rundir.resolve(bridge + ".mgmt")));
        argv.addAll(List.of(args));
        return root.check(Command.of(argv)).stdout();
    }

    /** ovs-appctl to this namespace's ovs-vswitchd, e.g. {@code appctl("tnl/arp/show")}. */
    public String appctl(String... args) {
        List<String> argv = new ArrayList<>(List.of("ovs-appctl", "-t", rundir.resolve("ovs-vswitchd.ctl").toString()));
        argv.addAll(List.of(args));
        return root.check(Command.of(argv)).stdout();
    }

    /**
     * Links two namespaces with a veth pair: {@code nameA} inside {@code a}, {@code nameB} inside {@code b}, both up.
     * Either namespace may be a plain one (see {@link #plainNamespace}).
     */
    public static void link(String a, String nameA, String b, String nameB) {
        ProcessCommandRunner root = ProcessCommandRunner.local();
        String tmpA = "ofx" + randomId() + "a";
        String tmpB = "ofx" + randomId() + "b";
        root.check(Command.of("ip", "link", "add", tmpA, "type", "veth", "peer", "name", tmpB));
        root.check(Command.of("ip", "link", "set", tmpA, "netns", a, "name", nameA, "up"));
        root.check(Command.of("ip", "link", "set", tmpB, "netns", b, "name", nameB, "up"));
    }

    /** Creates a network namespace without OVS (a "container" or a switch); delete it with {@link #deleteNamespace}. */
    public static String plainNamespace(String name) {
        ProcessCommandRunner root = ProcessCommandRunner.local();
        root.check(Command.of("ip", "netns", "add", name));
        root.check(Command.of("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"));
        return name;
    }

    public static void deleteNamespace(String name) {
        ProcessCommandRunner.local().run(Command.of("ip", "netns", "del", name));
    }

    /**
     * A "container": a plain namespace {@code <this name>-<role>} whose eth0 (address, MTU, default route via
     * {@code gateway}) is a veth into this namespace, enslaved to the Linux bridge {@code bridge} (docker0). It is
     * deleted with this namespace. Returns the container namespace's name.
     */
    public String addContainer(String role, String bridge, String address, int mtu, String gateway) {
        String container = plainNamespace(name + "-" + role);
        containers.add(container);
        String hostSide = "v" + role + randomId();
        link(container, "eth0", name, hostSide);
        exec("ip", "link", "set", hostSide, "master", bridge, "mtu", Integer.toString(mtu), "up");
        ProcessCommandRunner inside = ProcessCommandRunner.inNamespace(container);
        inside.check(Command.of("ip", "link", "set", "eth0", "mtu", Integer.toString(mtu), "up"));
        inside.check(Command.of("ip", "addr", "add", address, "dev", "eth0"));
        inside.check(Command.of("ip", "route", "add", "default", "via", gateway));
        return container;
    }

    /** The tail of this namespace's ovs-vswitchd log, for failure messages. */
    public String vswitchdLog() {
        try {
            List<String> lines = Files.readAllLines(rundir.resolve("ovs-vswitchd.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public synchronized void close() {
        if (!OPEN.remove(this)) {
            return;
        }
        for (int i = daemons.size() - 1; i >= 0; i--) {
            stop(daemons.get(i));
        }
        containers.forEach(OvsNamespace::deleteNamespace);
        root.run(Command.of("ip", "netns", "del", name));
        try (Stream<Path> files = Files.walk(rundir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // leave the temp dir; nothing else depends on it
        }
    }

    /**
     * Stops a daemon started here: SIGTERM, then waits until it is gone. OVS removes its pid file on exit; a killed
     * daemon is not our child, so it may linger as a zombie until init reaps it, which also counts as gone.
     */
    private void stop(String daemon) {
        Path pidfile = rundir.resolve(daemon + ".pid");
        long pid;
        try {
            pid = pid(daemon);
        } catch (IllegalStateException e) {
            return;
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty()) {
            return;
        }
        handle.get().destroy();
        if (!Poll.within(STOP_WAIT, () -> !Files.exists(pidfile) || !handle.get().isAlive() || zombie(pid))) {
            handle.get().destroyForcibly();
        }
    }

    private static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }
}
