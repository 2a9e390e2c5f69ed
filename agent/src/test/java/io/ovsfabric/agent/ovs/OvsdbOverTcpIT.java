package io.ovsfabric.agent.ovs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.ovsfabric.agent.linux.Command;
import io.ovsfabric.agent.linux.ProcessCommandRunner;
import io.ovsfabric.agent.plan.BridgeSpec;
import io.ovsfabric.agent.plan.ObservedBridge;
import io.ovsfabric.agent.plan.PortSpec;
import io.ovsfabric.agent.testing.OvsNamespace;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The OVSDB seam over TCP (tcp:127.0.0.1:PORT). A TCP listener inside a namespace is out of the test JVM's reach,
 * so here ovsdb-server runs in the root namespace on a free loopback port, and ovs-vswitchd runs in a private
 * namespace connected to the server's unix socket (vswitchd must apply the writes).
 */
class OvsdbOverTcpIT {

    @Test
    void readsAndWritesOverTcp() throws Exception {
        ProcessCommandRunner root = ProcessCommandRunner.local();
        String name = "ofx-dp-" + OvsNamespace.randomId() + "-tcp";
        Path dir = Files.createTempDirectory(name + "-");
        Map<String, String> env = Map.of("OVS_RUNDIR", dir.toString(), "OVS_DBDIR", dir.toString(), "OVS_LOGDIR", dir.toString());
        int port = freePort();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            OvsNamespace.plainNamespace(name);
            root.check(Command.of("ovsdb-tool", "create", dir.resolve("conf.db").toString(),
                    "/usr/share/openvswitch/vswitch.ovsschema"));
            root.check(Command.of("ovsdb-server", dir.resolve("conf.db").toString(), "--remote=punix:" + dir.resolve("db.sock"),
                    "--remote=ptcp:" + port + ":127.0.0.1", "--pidfile=" + dir.resolve("ovsdb-server.pid"),
                    "--unixctl=" + dir.resolve("ovsdb-server.ctl"), "--detach", "-vconsole:off",
                    "--log-file=" + dir.resolve("ovsdb-server.log")).withEnv(env));
            root.check(Command.of("ovs-vsctl", "--db=unix:" + dir.resolve("db.sock"), "--no-wait", "init"));
            ProcessCommandRunner.inNamespace(name).check(Command.of("ovs-vswitchd", "unix:" + dir.resolve("db.sock"),
                    "--pidfile=" + dir.resolve("ovs-vswitchd.pid"), "--unixctl=" + dir.resolve("ovs-vswitchd.ctl"),
                    "--detach", "-vconsole:off", "--log-file=" + dir.resolve("ovs-vswitchd.log")).withEnv(env));

            try (OdlOvsDatabase db = new OdlOvsDatabase(OvsdbTarget.parse("tcp:127.0.0.1:" + port), group,
                    Duration.ofSeconds(10))) {
                db.ensureBridge(new BridgeSpec("brtcp", "netdev", "secure", Set.of("OpenFlow13"),
                        Map.of("ovsfabric-owner", "agent"), List.of()));
                db.ensurePort("brtcp", new PortSpec("gretcp", "gre", Map.of("remote_ip", "flow", "key", "flow"), 2, null,
                        Map.of()));
                ObservedBridge bridge = db.bridges().get(0);
                assertEquals("brtcp", bridge.name());
                assertEquals(2, bridge.port("gretcp").orElseThrow().ofport());
                db.deleteBridge("brtcp");
                assertTrue(db.bridges().isEmpty());
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            for (String daemon : List.of("ovs-vswitchd", "ovsdb-server")) {
                root.run(Command.of("ovs-appctl", "-t", dir.resolve(daemon + ".ctl").toString(), "exit"));
            }
            OvsNamespace.deleteNamespace(name);
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
