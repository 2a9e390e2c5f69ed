package io.ovsfabric.agent.dataplane;

import io.ovsfabric.agent.linux.Command;
import io.ovsfabric.agent.linux.CommandResult;
import io.ovsfabric.agent.linux.IptablesPacketFilter;
import io.ovsfabric.agent.linux.ProcessCommandRunner;
import io.ovsfabric.agent.linux.RunningCommand;
import io.ovsfabric.agent.linux.SocketPortProbe;
import io.ovsfabric.agent.model.PublishedPort;
import io.ovsfabric.agent.plan.Change;
import io.ovsfabric.agent.plan.FilterDiff;
import io.ovsfabric.agent.plan.FilterPlanner;
import io.ovsfabric.agent.plan.FilterRules;
import io.ovsfabric.agent.plan.Topologies;
import io.ovsfabric.agent.testing.OvsNamespace;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.testing.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real iptables in throwaway namespaces: a "host" between an "outside" namespace (192.0.2.100) and a "container"
 * (10.205.0.2 behind the host's 10.205.0.1) serving HTTP on port 80. Publishing host port 8081 makes the container
 * answer at 192.0.2.11:8081 from outside and from the host itself; a DNAT rule deleted by hand comes back with the
 * next pass; unpublishing closes it. No OVS needed: the data plane's filter plan (FilterPlanner, FilterDiff) on real
 * iptables, the DNAT and the rule text are what is tested.
 */
class PublishedPortRulesIT {
    private static final String EP = "c0ffee".repeat(10) + "abcd";

    private final String id = OvsNamespace.randomId();
    private final String host = "ofx-pp-" + id + "-host";
    private final String outside = "ofx-pp-" + id + "-out";
    private final String container = "ofx-pp-" + id + "-c";
    private final List<String> namespaces = new ArrayList<>();
    private RunningCommand httpd;
    private Path www;
    private IptablesPacketFilter filter;
    private ProcessCommandRunner inHost;
    private final SocketPortProbe probe = new SocketPortProbe();

    @BeforeEach
    void lab() throws IOException {
        for (String ns : List.of(host, outside, container)) {
            namespaces.add(OvsNamespace.plainNamespace(ns));
        }
        OvsNamespace.link(host, "eth1", outside, "eth0");
        OvsNamespace.link(host, "ofxgpp", container, "eth0");
        inHost = ProcessCommandRunner.inNamespace(host);
        ProcessCommandRunner inOutside = ProcessCommandRunner.inNamespace(outside);
        ProcessCommandRunner inContainer = ProcessCommandRunner.inNamespace(container);
        inHost.check(Command.of("ip", "addr", "add", "192.0.2.11/24", "dev", "eth1"));
        inHost.check(Command.of("ip", "addr", "add", "10.205.0.1/24", "dev", "ofxgpp"));
        inHost.check(Command.of("sysctl", "-qw", "net.ipv4.ip_forward=1"));
        inOutside.check(Command.of("ip", "addr", "add", "192.0.2.100/24", "dev", "eth0"));
        inContainer.check(Command.of("ip", "addr", "add", "10.205.0.2/24", "dev", "eth0"));
        inContainer.check(Command.of("ip", "route", "add", "default", "via", "10.205.0.1"));
        www = Files.createTempDirectory("ofx-pp-" + id + "-www");
        Files.writeString(www.resolve("index.html"), "hello from the container\n");
        httpd = inContainer.start(Command.of("busybox", "httpd", "-f", "-p", "80", "-h", www.toString()));
        filter = new IptablesPacketFilter(inHost);
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (httpd != null) {
            httpd.stop();
        }
        namespaces.forEach(OvsNamespace::deleteNamespace);
        if (www != null) {
            try (Stream<Path> files = Files.walk(www)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static FilterRules rules(List<PublishedPort> ports) {
        return FilterPlanner.rules(Topologies.FABRIC, "docker0", List.of(), Optional.of(ports));
    }

    /** What a data plane pass does to iptables with these published ports. */
    private void sync(List<PublishedPort> ports) {
        FilterDiff.change(rules(ports), filter.observe()).ifPresent(c -> filter.restore(((Change.SyncFilter) c).script()));
    }

    private CommandResult get(String ns, String url) {
        return ProcessCommandRunner.inNamespace(ns).run(Command.of("curl", "-sS", "-m", "3", url));
    }

    @Test
    void aPublishedPortAnswersFromOutsideAndFromTheHostAndClosesWhenUnpublished() {
        Poll.until(Duration.ofSeconds(10), () -> get(host, "http://10.205.0.2/").exitCode() == 0,
                () -> "the container's httpd answers directly: " + get(host, "http://10.205.0.2/"));
        PublishedPort web = new PublishedPort(PublishedPort.Protocol.TCP, PublishedPort.ANY, 8081,
                Ipv4Address.parse("10.205.0.2"), 80, EP);
        sync(List.of(web));

        String fromOutside = get(outside, "http://192.0.2.11:8081/").stdout();
        String fromHost = get(host, "http://192.0.2.11:8081/").stdout();
        assertEquals("hello from the container\n", fromOutside);
        assertEquals("hello from the container\n", fromHost);
        String saved = inHost.check(Command.of("iptables-save", "-t", "nat")).stdout();
        System.out.println("nat table with one published port:\n" + saved.lines()
                .filter(l -> l.contains(FilterPlanner.PORTS_CHAIN)).reduce((a, b) -> a + "\n" + b).orElse(""));

        // what iptables-save prints is exactly what the planner writes: a second pass has nothing to do
        assertEquals(Optional.empty(), FilterDiff.change(rules(List.of(web)), filter.observe()));

        // deleted by hand, put back by the next pass
        String rule = FilterPlanner.portRules(List.of(web)).get(0);
        inHost.check(Command.of(("iptables -t nat -D " + FilterPlanner.PORTS_CHAIN + " " + rule).split(" ")));
        assertTrue(get(outside, "http://192.0.2.11:8081/").exitCode() != 0, "closed without its rule");
        sync(List.of(web));
        assertEquals("hello from the container\n", get(outside, "http://192.0.2.11:8081/").stdout());
        assertEquals(FilterPlanner.portRules(List.of(web)), filter.observe().rules("nat", FilterPlanner.PORTS_CHAIN));

        sync(List.of());
        assertTrue(get(outside, "http://192.0.2.11:8081/").exitCode() != 0, "port closed after unpublishing");
        assertFalse(inHost.check(Command.of("iptables-save", "-t", "nat")).stdout().contains("10.205.0.2:80"));
    }

    @Test
    void theProbeSeesListenersAndForeignAddresses() throws IOException {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Ipv4Address loopback = Ipv4Address.parse("127.0.0.1");
            Optional<String> busy = probe.problem(PublishedPort.Protocol.TCP, loopback,
                    listener.getLocalPort());
            assertTrue(busy.orElseThrow().contains("is in use on this host"), busy.toString());
            assertEquals(Optional.empty(), probe.problem(PublishedPort.Protocol.UDP, loopback,
                    listener.getLocalPort()), "udp is another port");
        }
        Optional<String> foreign = probe.problem(PublishedPort.Protocol.TCP,
                Ipv4Address.parse("192.0.2.250"), 8081);
        assertEquals(Optional.of("192.0.2.250 is not an address of this host"), foreign);
    }
}
