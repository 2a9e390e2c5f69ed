package io.ovsfabric.agent.ovs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.plan.BridgeSpec;
import io.ovsfabric.agent.plan.ObservedBridge;
import io.ovsfabric.agent.plan.ObservedPort;
import io.ovsfabric.agent.plan.PortSpec;
import io.ovsfabric.agent.testing.OvsNamespace;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The OVSDB seam against a real ovsdb-server + ovs-vswitchd in a private namespace, over the unix socket. */
class OdlOvsDatabaseIT {
    private static OvsNamespace ns;
    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        ns = OvsNamespace.start("dp", "db");
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        if (group != null) {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
        if (ns != null) {
            ns.close();
        }
    }

    private OdlOvsDatabase open() {
        return new OdlOvsDatabase(ns.ovsdbTarget(), group, Duration.ofSeconds(10));
    }

    @Test
    void createsReadsUpdatesAndDeletesBridgesAndPorts() {
        try (OdlOvsDatabase db = open()) {
            Map<String, String> marks = Map.of("ovsfabric-owner", "agent", "ovsfabric-host", "h1");
            db.ensureBridge(new BridgeSpec("brx", "netdev", "secure", Set.of("OpenFlow13"), marks, List.of()));
            db.ensurePort("brx", new PortSpec("grex", "gre", Map.of("remote_ip", "flow", "key", "flow"), 7, null, marks));
            db.ensurePort("brx", new PortSpec("brx", "internal", Map.of(), null, 1400, marks));

            ObservedBridge bridge = db.bridges().stream().filter(b -> b.name().equals("brx")).findFirst().orElseThrow();
            assertEquals("netdev", bridge.datapathType());
            assertEquals("secure", bridge.failMode());
            assertEquals(Set.of("OpenFlow13"), bridge.protocols());
            assertTrue(bridge.owned());
            ObservedPort gre = bridge.port("grex").orElseThrow();
            assertEquals("gre", gre.type());
            assertEquals(Map.of("remote_ip", "flow", "key", "flow"), gre.options());
            assertEquals(7, gre.ofport());
            assertEquals(7, gre.ofportRequest());
            assertTrue(gre.owned());
            assertEquals(1400, bridge.port("brx").orElseThrow().mtuRequest());
            String shown = ns.vsctl("--columns=name,type,options,ofport", "list", "Interface", "grex");
            assertTrue(shown.contains("remote_ip=flow"), shown);

            db.ensureBridge(new BridgeSpec("brx", "netdev", "standalone", Set.of("OpenFlow13"),
                    Map.of("ovsfabric-round", "3"), List.of()));
            ObservedBridge updated = db.bridges().stream().filter(b -> b.name().equals("brx")).findFirst().orElseThrow();
            assertEquals("standalone", updated.failMode());
            assertEquals("3", updated.externalIds().get("ovsfabric-round"));
            assertEquals("agent", updated.externalIds().get("ovsfabric-owner"), "other keys stay");

            db.deletePort("brx", "grex");
            db.deletePort("brx", "grex");
            assertFalse(ns.vsctl("list-ports", "brx").contains("grex"));
            db.deleteBridge("brx");
            db.deleteBridge("brx");
            assertFalse(ns.vsctl("list-br").contains("brx"));
            ns.vsctl("set", "Open_vSwitch", ".", "ovs_version=3.1.0-test");
            assertEquals("3.1.0-test", db.ovsVersion());
        }
    }

    @Test
    void setsOneOtherConfigKeyAndLeavesTheOthers() {
        ns.vsctl("set", "Open_vSwitch", ".", "other_config:lab-note=kept");
        try (OdlOvsDatabase db = open()) {
            db.ensureOtherConfig("pmd-maxsleep", "50");
            db.ensureOtherConfig("pmd-maxsleep", "50"); // already so: no write
        }
        assertEquals("\"50\"", ns.vsctl("get", "Open_vSwitch", ".", "other_config:pmd-maxsleep").trim());
        assertEquals("kept", ns.vsctl("get", "Open_vSwitch", ".", "other_config:lab-note").trim());
    }

    @Test
    void reportsWhatVswitchdCouldNotAdd() {
        try (OdlOvsDatabase db = open()) {
            db.ensureBridge(new BridgeSpec("bry", "netdev", "secure", Set.of("OpenFlow13"), Map.of(), List.of()));
            AgentException e = assertThrows(AgentException.class,
                    () -> db.ensurePort("bry", new PortSpec("nosuchdev0", "", Map.of(), null, null, Map.of())));
            assertTrue(e.getMessage().contains("nosuchdev0"), e.getMessage());
            db.deleteBridge("bry");
        }
    }

    @Test
    void refusesAPortOnAMissingBridge() {
        try (OdlOvsDatabase db = open()) {
            AgentException e = assertThrows(AgentException.class,
                    () -> db.ensurePort("nobridge", new PortSpec("p1", "internal", Map.of(), null, null, Map.of())));
            assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        }
    }

    @Test
    void saysWhereTheServerIsMissing() {
        try (OdlOvsDatabase db = new OdlOvsDatabase(OvsdbTarget.unix(ns.rundir().resolve("nothing.sock")), group,
                Duration.ofSeconds(2))) {
            AgentException e = assertThrows(AgentException.class, db::bridges);
            assertTrue(e.getMessage().contains("nothing.sock"), e.getMessage());
        }
    }
}
