package io.ovsfabric.agent.docker.link;

import io.ovsfabric.agent.docker.MacAddress;
import io.ovsfabric.agent.docker.PluginException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exact commands the real plumbing runs, and its all-or-nothing behaviour (real runs are in DockerPluginIT). */
class IpEndpointPlumbingTest {
    private static final EndpointLink LINK = new EndpointLink("ofxh0123456789a", "ofxc0123456789a",
            MacAddress.parse("02:42:0a:c9:00:02"), 1458, "br0", Map.of("ovsfabric-endpoint", "h1:fn1:00aa"));
    private static final String DB = "--db=unix:/run/ovs/db.sock";

    private final RecordingProcessRunner runner = new RecordingProcessRunner();
    private final IpEndpointPlumbing plumbing = new IpEndpointPlumbing(runner, "unix:/run/ovs/db.sock", true);

    @Test
    void createsThePairAndAttachesTheHostEndWithItsMarks() {
        runner.answer(argv -> new ProcessRunner.Result(argv.contains("show") ? 1 : 0, "", ""));
        plumbing.ensureLink(LINK);
        assertEquals(List.of(
                "ip link show dev ofxh0123456789a",
                "ip link add dev ofxh0123456789a type veth peer name ofxc0123456789a",
                "ip link set dev ofxh0123456789a mtu 1458",
                "ip link set dev ofxc0123456789a mtu 1458 address 02:42:0a:c9:00:02",
                "ethtool -K ofxh0123456789a tx off",
                "ethtool -K ofxc0123456789a tx off",
                "sysctl -qw net.ipv4.conf.ofxh0123456789a.arp_ignore=8",
                "ip link set dev ofxh0123456789a up",
                "ovs-vsctl " + DB + " --timeout=10 -- --may-exist add-port br0 ofxh0123456789a -- set Interface"
                        + " ofxh0123456789a external_ids:ovsfabric-endpoint=\"h1:fn1:00aa\" external_ids:ovsfabric-owner=\"agent\""),
                runner.lines());
    }

    @Test
    void anExistingHostEndIsRepairedNotRecreated() {
        plumbing.ensureLink(LINK);
        assertEquals(4, runner.lines().size(), runner.lines().toString());
        assertEquals("sysctl -qw net.ipv4.conf.ofxh0123456789a.arp_ignore=8", runner.lines().get(1));
        assertTrue(runner.lines().get(2).equals("ip link set dev ofxh0123456789a mtu 1458 up"));
        assertTrue(runner.lines().get(3).contains("--may-exist add-port br0 ofxh0123456789a"));
    }

    @Test
    void aFailedStepRemovesWhatWasCreated() {
        boolean[] created = {false};
        runner.answer(argv -> {
            String line = String.join(" ", argv);
            if (line.startsWith("ip link show")) {
                return new ProcessRunner.Result(created[0] ? 0 : 1, "", "");
            }
            if (line.startsWith("ip link add")) {
                created[0] = true;
            }
            if (line.startsWith("ip link del")) {
                created[0] = false;
            }
            if (line.contains("add-port")) {
                return new ProcessRunner.Result(1, "", "ovs-vsctl: no bridge named br0");
            }
            return new ProcessRunner.Result(0, "", "");
        });
        CommandException e = assertThrows(CommandException.class, () -> plumbing.ensureLink(LINK));
        assertEquals(1, e.exitCode());
        assertTrue(e.getMessage().contains("no bridge named br0"), e.getMessage());
        List<String> lines = runner.lines();
        assertTrue(lines.contains("ovs-vsctl " + DB + " --timeout=10 -- --if-exists del-port br0 ofxh0123456789a"), lines.toString());
        assertEquals("ip link del dev ofxh0123456789a", lines.get(lines.size() - 1));
        assertTrue(!created[0]);
    }

    @Test
    void removingWhatIsAbsentSucceeds() {
        runner.answer(argv -> new ProcessRunner.Result(argv.contains("show") ? 1 : 0, "", ""));
        plumbing.removeLink(LINK);
        assertEquals(List.of("ovs-vsctl " + DB + " --timeout=10 -- --if-exists del-port br0 ofxh0123456789a",
                "ip link show dev ofxh0123456789a"), runner.lines());
    }

    @Test
    void aMissingToolSaysSo() {
        PluginException e = assertThrows(PluginException.class, () ->
                new SystemProcessRunner(java.time.Duration.ofSeconds(5)).check(List.of("/nonexistent/ovsfabric-tool")));
        assertTrue(e.getMessage().contains("cannot start"), e.getMessage());
        assertEquals("hi\n", new SystemProcessRunner(java.time.Duration.ofSeconds(5)).check(List.of("echo", "hi")));
        CommandException failed = assertThrows(CommandException.class, () ->
                new SystemProcessRunner(java.time.Duration.ofSeconds(5)).check(List.of("sh", "-c", "echo oops >&2; exit 3")));
        assertEquals(3, failed.exitCode());
        assertEquals("oops\n", failed.stderr());
    }
}
