package io.ovsfabric.agent.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.model.PublishedPort;
import io.ovsfabric.agent.model.Topology;
import io.ovsfabric.agent.plan.Change;
import io.ovsfabric.agent.plan.DatapathMode;
import io.ovsfabric.agent.plan.FilterPlanner;
import io.ovsfabric.agent.plan.LocalEndpoint;
import io.ovsfabric.agent.plan.LocalEndpoints;
import io.ovsfabric.agent.wiring.HostFacts;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.agent.plan.Topologies;
import io.ovsfabric.agent.linux.Command;
import io.ovsfabric.agent.linux.ProcessCommandRunner;
import io.ovsfabric.agent.testing.OvsNamespace;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link OvsDataPlane} on a real OVS (userspace datapath) in a private namespace, driven from the test JVM: host
 * commands run in the namespace, OVSDB and OpenFlow go through its unix sockets. Results are checked with the
 * real tools.
 */
class OvsDataPlaneIT {
    private static final Pattern COUNTERS = Pattern.compile(" duration=[^,]*,| n_packets=\\d+,| n_bytes=\\d+,| idle_age=\\d+,");

    private OvsNamespace ns;
    private OvsDataPlane dataPlane;

    @BeforeEach
    void startHost() {
        ns = OvsNamespace.start("dp", "h1");
        // An underlay interface with the host's underlay address and a default route through it.
        ns.exec("ip", "link", "add", "eth1", "type", "veth", "peer", "name", "eth1-peer");
        ns.exec("ip", "link", "set", "eth1", "up");
        ns.exec("ip", "link", "set", "eth1-peer", "up");
        ns.exec("ip", "addr", "add", "192.0.2.11/24", "dev", "eth1");
        ns.exec("ip", "route", "add", "default", "via", "192.0.2.1", "dev", "eth1");
        dataPlane = OvsDataPlane.open(config());
    }

    @AfterEach
    void stopHost() {
        if (dataPlane != null) {
            dataPlane.close();
        }
        if (ns != null) {
            ns.close();
        }
    }

    private DataPlaneConfig config() {
        return DataPlaneConfig.defaults(Topologies.underlay(1)).withOvsdb(ns.ovsdbTarget())
                .withOvsRundir(ns.rundir()).withNetns(ns.name())
                .withDatapathMode(HostFacts.datapath(DatapathMode.AUTO));
    }

    /** dump-flows without counters and the reply header, one flow per line. */
    private List<String> flows(String bridge) {
        return Arrays.stream(ns.dumpFlows(bridge).split("\n")).map(String::strip)
                .filter(l -> l.startsWith("cookie=")).map(l -> COUNTERS.matcher(l).replaceAll("")).sorted().toList();
    }

    @Test
    void buildsTheHostAndASecondPassChangesNothing() {
        Topology topology = Topologies.of(1, 3);
        dataPlane.reconcile(topology);

        assertEquals("netdev", ns.vsctl("get", "bridge", "br0", "datapath_type").strip());
        assertEquals("secure", ns.vsctl("get", "bridge", "br0", "fail_mode").strip());
        assertEquals("[OpenFlow13]", ns.vsctl("get", "bridge", "br0", "protocols").strip());
        assertEquals("agent", ns.vsctl("get", "bridge", "br0", "external_ids:ovsfabric-owner").strip());
        assertEquals("1", ns.vsctl("get", "interface", "ofx-br0", "ofport").strip());
        assertEquals("2", ns.vsctl("get", "interface", "ofx-gre", "ofport").strip());
        assertEquals("gre", ns.vsctl("get", "interface", "ofx-gre", "type").strip());
        assertEquals("{key=flow, remote_ip=flow}", ns.vsctl("get", "interface", "ofx-gre", "options").strip());
        assertEquals(List.of("eth1"), List.of(ns.vsctl("list-ports", "br-phy").strip().split("\n")));
        assertEquals("internal", ns.vsctl("get", "interface", "br-phy", "type").strip());

        List<String> flows = flows("br0");
        assertEquals(12 + 3 * 2, flows.size(), String.join("\n", flows));
        assertTrue(flows.contains("cookie=0xfab010001000000, table=0, priority=200,ip,in_port=1,nw_src=10.200.1.0/24 actions=goto_table:10"), String.join("\n", flows));
        assertTrue(flows.contains("cookie=0xfab010001000000, table=0, priority=200,arp,in_port=1,arp_spa=10.200.1.0/24 actions=goto_table:10"), String.join("\n", flows));
        assertTrue(flows.contains("cookie=0xfab090001000000, table=0, priority=190,ip,in_port=1 actions=drop"), String.join("\n", flows));
        assertTrue(flows.contains("cookie=0xfab070001000000, table=0, priority=200,tun_src=192.0.2.12,in_port=2 actions=goto_table:5"), String.join("\n", flows));
        assertTrue(flows.contains("cookie=0xfab080001000000, table=0, priority=190,in_port=2 actions=drop"), String.join("\n", flows));
        assertTrue(flows.contains("cookie=0xfab010001000000, table=5, priority=200,tun_id=0x64,in_port=2 actions=goto_table:20"), String.join("\n", flows));
        assertTrue(flows.contains("cookie=0xfab030001000000, table=10, priority=100,arp,arp_tpa=10.200.3.0/24"
                + " actions=set_field:0x64->tun_id,set_field:192.0.2.13->tun_dst,output:2"), String.join("\n", flows));
        assertTrue(flows.contains("cookie=0xfab020001000000, table=20, priority=100,ip,nw_dst=10.200.1.0/24 actions=output:1"), String.join("\n", flows));
        assertFalse(flows.stream().anyMatch(f -> f.contains("table=20") && f.contains("output:2")), "split horizon");
        assertEquals(1, flows("br-phy").size());

        String links = ns.exec("ip", "-d", "addr", "show").stdout();
        String docker0 = ns.exec("ip", "addr", "show", "docker0").stdout();
        assertTrue(docker0.contains("inet 10.200.1.1/16") && docker0.contains("mtu 1458"), docker0);
        String veth = ns.exec("ip", "link", "show", "ofx-d0").stdout();
        assertTrue(veth.contains("master docker0") && veth.contains("mtu 1458"), veth);
        assertTrue(ns.exec("ip", "addr", "show", "br-phy").stdout().contains("inet 192.0.2.11/24"), links);
        assertFalse(ns.exec("ip", "addr", "show", "eth1").stdout().contains("inet "), links);
        assertTrue(ns.exec("ip", "route").stdout().contains("default via 192.0.2.1 dev br-phy"), ns.exec("ip", "route").stdout());
        assertTrue(ns.exec("ethtool", "-k", "ofx-d0").stdout().contains("tx-checksumming: off"));
        assertTrue(ns.exec("ethtool", "-k", "ofx-br0").stdout().contains("tx-checksumming: off"));

        String rules = ns.exec("iptables-save").stdout();
        assertTrue(rules.contains("-A POSTROUTING -j OVSFABRIC-POSTROUTING"), rules);
        assertTrue(rules.contains("-A FORWARD -j OVSFABRIC-FORWARD"), rules);
        assertTrue(rules.contains("-A OVSFABRIC-POSTROUTING -s 10.200.0.0/16 -d 10.200.0.0/16 -j ACCEPT"), rules);
        assertTrue(rules.contains("-A OVSFABRIC-POSTROUTING -s 10.200.0.0/16 ! -d 10.200.0.0/16 ! -o docker0 -j MASQUERADE"), rules);

        assertEquals(List.of(), dataPlane.plan(topology), "second pass");
        dataPlane.reconcile(topology);
        assertEquals(flows, flows("br0"), "unchanged by the second pass");
    }

    @Test
    void putsBackWhatWasRemovedByHand() {
        Topology topology = Topologies.of(1, 3);
        dataPlane.reconcile(topology);
        List<String> before = flows("br0");

        ns.vsctl("del-port", "br0", "ofx-gre");
        ns.ofctl("br0", "del-flows", "table=10,ip,nw_dst=10.200.2.0/24");
        ns.exec("iptables", "-t", "nat", "-D", "POSTROUTING", "-j", "OVSFABRIC-POSTROUTING");
        ns.exec("ip", "addr", "del", "10.200.1.1/16", "dev", "docker0");
        List<Change> changes = dataPlane.plan(topology);
        assertEquals(4, changes.size(), changes.toString());

        dataPlane.reconcile(topology);
        assertEquals("2", ns.vsctl("get", "interface", "ofx-gre", "ofport").strip());
        assertEquals(before, flows("br0"));
        assertTrue(ns.exec("iptables-save", "-t", "nat").stdout().contains("-A POSTROUTING -j OVSFABRIC-POSTROUTING"));
        assertTrue(ns.exec("ip", "addr", "show", "docker0").stdout().contains("inet 10.200.1.1/16"));
        assertEquals(List.of(), dataPlane.plan(topology));
    }

    @Test
    void dropsARemovedPeersFlows() {
        dataPlane.reconcile(Topologies.of(1, 3));
        assertTrue(flows("br0").stream().anyMatch(f -> f.contains("10.200.3.0/24")));
        Topology fewer = Topologies.withPeers(1, 2);
        dataPlane.reconcile(fewer);
        List<String> flows = flows("br0");
        assertFalse(flows.stream().anyMatch(f -> f.contains("10.200.3.0/24") || f.contains("192.0.2.13")), String.join("\n", flows));
        assertEquals(12 + 3, flows.size());
        assertEquals(List.of(), dataPlane.plan(fewer));
    }

    @Test
    void aRestartInstallsANewRoundAndDropsTheOldOne() {
        dataPlane.reconcile(Topologies.of(1, 3));
        dataPlane.close();
        dataPlane = OvsDataPlane.open(config());
        Topology fewer = Topologies.withPeers(1, 2);
        assertEquals(15 + 1, dataPlane.plan(fewer).stream().filter(c -> c instanceof Change.UpdateFlows)
                .mapToInt(c -> ((Change.UpdateFlows) c).modify().size()).sum(), "every kept flow (15 on br0, 1 on br-phy) moves to round 2");
        dataPlane.reconcile(fewer);
        assertEquals(2, dataPlane.round());
        List<String> flows = flows("br0");
        assertEquals(15, flows.size(), String.join("\n", flows));
        assertTrue(flows.stream().allMatch(f -> f.matches("cookie=0xfab0[1-9]0002000000, .*")), String.join("\n", flows));
        assertEquals("\"2\"", ns.vsctl("get", "bridge", "br0", "external_ids:ovsfabric-round").strip());
        assertEquals(List.of(), dataPlane.plan(fewer));
    }

    @Test
    void teardownRemovesWhatIsOursAndNothingElse() {
        ns.vsctl("add-br", "brforeign", "--", "set", "bridge", "brforeign", "datapath_type=netdev");
        ns.ofctl("brforeign", "add-flow", "priority=5,ip,actions=drop");
        ns.exec("ip", "link", "add", "other0", "type", "veth", "peer", "name", "other1");
        ns.exec("iptables", "-N", "SOMEONE-ELSE");
        ns.exec("iptables", "-A", "FORWARD", "-j", "SOMEONE-ELSE");
        dataPlane.reconcile(Topologies.of(1, 3));

        dataPlane.teardown();
        assertEquals("brforeign", ns.vsctl("list-br").strip());
        assertTrue(ns.dumpFlows("brforeign").contains("priority=5,ip actions=drop"));
        String links = ns.exec("ip", "link").stdout();
        assertFalse(links.contains("ofx-d0") || links.contains("ofx-br0") || links.contains("docker0"), links);
        assertTrue(links.contains("other0"), links);
        assertTrue(ns.exec("ip", "addr", "show", "eth1").stdout().contains("inet 192.0.2.11/24"));
        assertTrue(ns.exec("ip", "route").stdout().contains("default via 192.0.2.1 dev eth1"));
        String rules = ns.exec("iptables-save").stdout();
        assertFalse(rules.contains("OVSFABRIC"), rules);
        assertTrue(rules.contains("-A FORWARD -j SOMEONE-ELSE"), rules);

        dataPlane.teardown();
        assertEquals("brforeign", ns.vsctl("list-br").strip());
    }

    @Test
    void refusesABridgeItDoesNotOwn() {
        ns.vsctl("add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev");
        AgentException e = assertThrows(AgentException.class, () -> dataPlane.reconcile(Topologies.of(1, 2)));
        assertTrue(e.getMessage().contains("br0") && e.getMessage().contains("not ovsfabric's"), e.getMessage());
    }

    @Test
    void aUserNetworkEndpointsPortAndDnatRuleComeBackAfterHandRemovalAndTeardownRemovesThem() {
        String ep = "5ce4d2899abc".repeat(5) + "0123";
        LocalEndpoint web = new LocalEndpoint(LocalEndpoint.hostInterfaceOf(ep), LocalEndpoint.containerInterfaceOf(ep),
                "02:42:0a:cd:00:02", "fn-pub", "h1:fn-pub:0001", "dknet1", ep);
        PublishedPort port = new PublishedPort(PublishedPort.Protocol.TCP, PublishedPort.ANY, 8081,
                Ipv4Address.parse("10.205.0.2"), 80, ep);
        dataPlane.useLocalEndpoints(() -> Optional.of(new LocalEndpoints(List.of(web), List.of(port))));
        Topology topology = Topologies.of(1, 2);
        String sandbox = OvsNamespace.plainNamespace(ns.name() + "-sb");
        try {
            dataPlane.reconcile(topology);
            String hostEnd = web.hostInterface();
            assertTrue(Integer.parseInt(ns.vsctl("get", "interface", hostEnd, "ofport").strip()) > 2);
            assertEquals("\"h1:fn-pub:0001\"", ns.vsctl("get", "interface", hostEnd, "external_ids:ovsfabric-endpoint").strip());
            assertEquals("agent", ns.vsctl("get", "port", hostEnd, "external_ids:ovsfabric-owner").strip());
            String link = ns.exec("ip", "-d", "link", "show", hostEnd).stdout();
            assertTrue(link.contains("mtu 1458") && link.contains("NOARP") && link.contains("alias ovsfabric-owner=agent"), link);
            assertTrue(ns.exec("ethtool", "-k", hostEnd).stdout().contains("tx-checksumming: off"));
            assertTrue(ns.exec("ip", "link", "show", web.containerInterface()).stdout().contains("02:42:0a:cd:00:02"));

            // what libnetwork does right after Join: the container end goes into the sandbox
            ns.exec("ip", "link", "set", web.containerInterface(), "netns", sandbox).requireSuccess();
            assertEquals(List.of(), dataPlane.plan(topology), "the pair is not recreated for want of its peer");

            ns.vsctl("del-port", "br0", hostEnd);
            String rule = FilterPlanner.portRules(List.of(port)).get(0);
            ns.exec(("iptables -t nat -D " + FilterPlanner.PORTS_CHAIN + " " + rule).split(" ")).requireSuccess();
            assertEquals(2, dataPlane.plan(topology).size(), dataPlane.plan(topology).toString());
            dataPlane.reconcile(topology);
            assertTrue(Integer.parseInt(ns.vsctl("get", "interface", hostEnd, "ofport").strip()) > 2, "the port is back");
            assertTrue(ns.exec("iptables-save", "-t", "nat").stdout().contains("-A OVSFABRIC-PORTS " + rule), "the rule is back");
            assertTrue(ProcessCommandRunner.inNamespace(sandbox).run(Command.of("ip", "link", "show",
                    web.containerInterface())).succeeded(), "the container's end is untouched");
            assertEquals(List.of(), dataPlane.plan(topology));

            dataPlane.teardown();
            assertFalse(ns.runner().run(Command.of("ip", "link", "show", hostEnd)).succeeded(), "the endpoint veth is gone");
            assertFalse(ns.exec("iptables-save", "-t", "nat").stdout().contains("OVSFABRIC"));
            assertFalse(ProcessCommandRunner.inNamespace(sandbox).run(Command.of("ip", "link", "show",
                    web.containerInterface())).succeeded(), "its peer went with it");
        } finally {
            OvsNamespace.deleteNamespace(sandbox);
        }
    }
}
