package io.ovsfabric.agent.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ovsfabric.agent.linux.Command;
import io.ovsfabric.agent.linux.CommandResult;
import io.ovsfabric.agent.linux.ProcessCommandRunner;
import io.ovsfabric.agent.linux.RunningCommand;
import io.ovsfabric.agent.plan.DatapathMode;
import io.ovsfabric.agent.plan.PortTypes;
import io.ovsfabric.agent.plan.Topologies;
import io.ovsfabric.agent.testing.OvsNamespace;
import io.ovsfabric.agent.wiring.HostFacts;
import io.ovsfabric.common.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two hosts (namespaces, each with its own OVS and OvsDataPlane) joined by an underlay veth, a namespace
 * "container" on each docker0. Container traffic crosses the GRE tunnel: ping, a 10 MB TCP transfer (which only
 * completes when the MTU and checksum settings are right), a capture on the underlay that shows the
 * encapsulation, and an agent restart under a continuous ping that loses nothing.
 */
class TwoHostTrafficIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static OvsNamespace h1;
    private static OvsNamespace h2;
    private static OvsDataPlane dp1;
    private static OvsDataPlane dp2;
    private static ProcessCommandRunner c1;
    private static ProcessCommandRunner c2;

    @BeforeAll
    static void buildTwoHosts() {
        h1 = OvsNamespace.start("dp", "h1");
        h2 = OvsNamespace.start("dp", "h2");
        OvsNamespace.link(h1.name(), "eth1", h2.name(), "eth1");
        h1.exec("ip", "addr", "add", "192.0.2.11/24", "dev", "eth1");
        h2.exec("ip", "addr", "add", "192.0.2.12/24", "dev", "eth1");
        dp1 = OvsDataPlane.open(config(h1, 1));
        dp2 = OvsDataPlane.open(config(h2, 2));
        dp1.reconcile(Topologies.of(1, 2));
        dp2.reconcile(Topologies.of(2, 2));
        c1 = ProcessCommandRunner.inNamespace(h1.addContainer("c1", "docker0", "10.200.1.10/16", 1458, "10.200.1.1"));
        c2 = ProcessCommandRunner.inNamespace(h2.addContainer("c2", "docker0", "10.200.2.10/16", 1458, "10.200.2.1"));
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable closeable : new AutoCloseable[] {dp1, dp2, h1, h2}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                // keep cleaning up the rest
            }
        }
    }

    private static DataPlaneConfig config(OvsNamespace ns, int host) {
        return DataPlaneConfig.defaults(Topologies.underlay(host)).withOvsdb(ns.ovsdbTarget())
                .withOvsRundir(ns.rundir()).withNetns(ns.name())
                .withDatapathMode(HostFacts.datapath(DatapathMode.AUTO));
    }

    @Test
    void containersTalkThroughTheTunnelAndTheCaptureShowsGre() throws Exception {
        // tcpdump sees no frame of a port vswitchd reads with AF_XDP (XDP redirects them before the kernel's taps):
        // h1 takes AF_PACKET for this test, so its eth1 can be captured; h2 keeps what it chose (AF_XDP here)
        dp1.usePortTypes(PortTypes.Policy.AFPACKET);
        dp1.reconcile(Topologies.of(1, 2));
        try {
            captureAndTalk();
        } finally {
            dp1.usePortTypes(PortTypes.Policy.AUTO);
            dp1.reconcile(Topologies.of(1, 2));
        }
    }

    @Test
    void pmdThreadsForwardAndSleepWhenAsked() throws Exception {
        boolean netdev = dp1.datapathMode() == DatapathMode.NETDEV;
        dp1.usePortTypes(PortTypes.Policy.AFXDP_PMD);
        dp2.usePortTypes(PortTypes.Policy.AFXDP_PMD);
        try {
            dp1.reconcile(Topologies.of(1, 2));
            dp2.reconcile(Topologies.of(2, 2));
            if (netdev) {
                assertEquals("\"50\"", h1.vsctl("get", "Open_vSwitch", ".", "other_config:pmd-maxsleep").trim());
                assertEquals("afxdp", h2.vsctl("get", "Interface", "eth1", "type").trim(), "vswitchd took AF_XDP with PMDs");
            }
            CommandResult ping = c1.run(Command.of("busybox", "ping", "-c", "3", "-W", "5", "10.200.2.10"));
            assertTrue(ping.succeeded() && ping.stdout().contains("3 packets received"), ping.stdout() + ping.stderr());
        } finally {
            dp1.usePortTypes(PortTypes.Policy.AUTO);
            dp2.usePortTypes(PortTypes.Policy.AUTO);
            dp1.reconcile(Topologies.of(1, 2));
            dp2.reconcile(Topologies.of(2, 2));
        }
    }

    private void captureAndTalk() throws Exception {
        Path pcap = h1.rundir().resolve("underlay.pcap");
        try (RunningCommand capture = h1.runner().start(Command.of("tcpdump", "-i", "eth1", "-nn", "-U", "-s", "128",
                "-c", "200", "-w", pcap.toString(), "ip proto 47"))) {
            await(() -> capture.stderr().contains("listening on"), "tcpdump listening");

            CommandResult ping = c1.run(Command.of("busybox", "ping", "-c", "3", "-W", "5", "10.200.2.10"));
            assertTrue(ping.succeeded() && ping.stdout().contains("bytes from 10.200.2.10"), ping.stdout() + ping.stderr());

            try (RunningCommand server = c2.start(Command.of("iperf3", "-s", "-1", "--forceflush", "-B", "10.200.2.10", "-p", "5201"))) {
                await(() -> server.stdout().contains("Server listening"), "iperf3 server listening");
                CommandResult client = c1.check(Command.of("iperf3", "-c", "10.200.2.10", "-p", "5201", "-n", "24M",
                        "-J", "--connect-timeout", "5000"));
                // iperf3 stops counting at the server when the client says it is done, with the last window still
                // in flight: send more than 10 MiB and require at least 10 MiB received.
                JsonNode result = JSON.readTree(client.stdout());
                long received = result.path("end").path("sum_received").path("bytes").asLong();
                assertTrue(received >= 10L * 1024 * 1024, "received " + received + " bytes: " + client.stdout());
                System.err.printf("%d bytes container-to-container over GRE: %.0f Mbit/s%n", received,
                        result.path("end").path("sum_received").path("bits_per_second").asDouble() / 1e6);
            }
            capture.waitFor(WAIT);
        }
        String decoded = ProcessCommandRunner.local().check(Command.of("tcpdump", "-nn", "-v", "-r", pcap.toString()))
                .stdout();
        assertTrue(decoded.contains("GREv0") && decoded.contains("key=0x64"), decoded);
        assertTrue(decoded.contains("10.200.1.10 > 10.200.2.10: ICMP echo request"), decoded);
        assertTrue(decoded.contains("10.200.1.10.") && decoded.contains("> 10.200.2.10.5201: Flags"), decoded);
        assertTrue(decoded.contains("192.0.2.11 > 192.0.2.12: GREv0"), decoded);
    }

    @Test
    void aRestartedAgentDoesNotInterruptTraffic() {
        assertTrue(c1.run(Command.of("busybox", "ping", "-c", "1", "-W", "5", "10.200.2.10")).succeeded(), "path up");
        try (RunningCommand ping = c1.start(Command.of("busybox", "ping", "-c", "300", "-i", "0.01", "-W", "5",
                "10.200.2.10"))) {
            await(() -> ping.stdout().contains("bytes from"), "ping running");
            int before = dp1.round();
            dp1.close();
            dp1 = OvsDataPlane.open(config(h1, 1));
            dp1.reconcile(Topologies.of(1, 2));
            assertEquals(before + 1, dp1.round());
            CommandResult result = ping.waitFor(Duration.ofSeconds(30)).orElseThrow();
            assertTrue(result.stdout().contains("300 packets transmitted, 300 packets received, 0% packet loss"),
                    result.stdout());
        }
        assertTrue(h1.dumpFlows("br0").lines().filter(l -> l.contains("cookie=")).allMatch(
                l -> l.contains("cookie=0xfab0") && l.contains(String.format("%04x000000,", dp1.round()))),
                h1.dumpFlows("br0"));
    }

    private static void await(BooleanSupplier condition, String what) {
        Poll.until(what, WAIT, condition);
    }
}
