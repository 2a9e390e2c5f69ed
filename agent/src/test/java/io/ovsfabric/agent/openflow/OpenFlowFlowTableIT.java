package io.ovsfabric.agent.openflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.ovsfabric.agent.plan.DatapathMode;
import io.ovsfabric.agent.plan.DeviceNames;
import io.ovsfabric.agent.plan.Flow;
import io.ovsfabric.agent.plan.FlowPlanner;
import io.ovsfabric.agent.plan.PlanSettings;
import io.ovsfabric.agent.plan.Topologies;
import io.ovsfabric.agent.testing.OvsNamespace;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Flows through the bridge's management socket, read back both with openflowj and with ovs-ofctl. */
class OpenFlowFlowTableIT {
    private static OvsNamespace ns;
    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        ns = OvsNamespace.start("dp", "of");
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ns.vsctl("add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev", "protocols=OpenFlow13",
                "fail_mode=secure");
    }

    @AfterAll
    static void stop() {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        if (ns != null) {
            ns.close();
        }
    }

    @Test
    void installsReadsBackReplacesAndDeletesOnlyOwnedFlows() {
        List<Flow> round1 = FlowPlanner.flows(Topologies.of(1, 3),
                new PlanSettings(DeviceNames.defaults(), DatapathMode.NETDEV, 1)).stream()
                .filter(f -> f.bridge().equals("br0")).toList();
        ns.ofctl("br0", "add-flow", "table=5,priority=7,cookie=0x1234,ip,actions=drop");
        try (OpenFlowFlowTable table = new OpenFlowFlowTable(ns.rundir(), group, Duration.ofSeconds(10))) {
            table.apply("br0", round1, List.of());
            assertEquals(new HashSet<>(round1), new HashSet<>(table.ownedFlows("br0")), "read back as planned");
            String dump = ns.dumpFlows("br0");
            assertTrue(dump.contains("priority=100,ip,nw_dst=10.200.2.0/24 actions=set_field:0x64->tun_id,"
                    + "set_field:192.0.2.12->tun_dst,output:2"), dump);
            assertTrue(dump.contains("priority=200,tun_id=0x64,in_port=2 actions=goto_table:20"), dump);

            List<Flow> round2 = FlowPlanner.flows(Topologies.of(1, 2),
                    new PlanSettings(DeviceNames.defaults(), DatapathMode.NETDEV, 2)).stream()
                    .filter(f -> f.bridge().equals("br0")).toList();
            List<Flow> stale = round1.stream().filter(f -> round2.stream().noneMatch(g -> g.key().equals(f.key()))).toList();
            table.apply("br0", round2, stale);
            assertEquals(new HashSet<>(round2), new HashSet<>(table.ownedFlows("br0")), "replaced by round 2");
            assertTrue(!ns.dumpFlows("br0").contains("10.200.3.0"), "peer 3 gone");

            table.deleteOwned("br0");
            assertEquals(List.of(), table.ownedFlows("br0"));
            assertTrue(ns.dumpFlows("br0").contains("cookie=0x1234"), "a foreign flow stays");
        }
    }
}
