package io.ovsfabric.agent.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.ovs.OvsdbTarget;
import io.ovsfabric.agent.plan.DatapathMode;
import io.ovsfabric.agent.plan.DeviceNames;
import io.ovsfabric.common.Ipv4Address;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DataPlaneConfigTest {
    private static final Ipv4Address IP = Ipv4Address.parse("192.0.2.11");

    @Test
    void defaultsAreDebiansOvsWithAutoDatapath() {
        DataPlaneConfig config = DataPlaneConfig.defaults(IP);
        assertEquals("unix:/var/run/openvswitch/db.sock", config.ovsdb().toString());
        assertEquals(Path.of("/var/run/openvswitch"), config.ovsRundir());
        assertEquals(DeviceNames.defaults(), config.names());
        assertEquals(DatapathMode.AUTO, config.datapathMode());
        assertEquals(Optional.empty(), config.underlayInterface());
        assertEquals(List.of(), config.problems());
    }

    @Test
    void reportsEveryProblemAtOnce() {
        DataPlaneConfig bad = DataPlaneConfig.defaults(IP).withOvsdb(OvsdbTarget.tcp("127.0.0.1", 6640))
                .withNetns("ofx-x").withOvsRundir(Path.of("relative")).withTimeout(Duration.ZERO)
                .withNames(DeviceNames.defaults().withBridges("br0", "br0", "docker0-with-a-long-name"));
        List<String> problems = bad.problems();
        assertEquals(5, problems.size(), problems.toString());
        AgentException e = assertThrows(AgentException.class, bad::validate);
        assertTrue(e.getMessage().contains("must be a unix socket"), e.getMessage());
    }

    @Test
    void autoPicksTheKernelDatapathOnlyWhenTheModuleIsThere() {
        assertEquals(DatapathMode.SYSTEM, DatapathMode.AUTO.resolve(true));
        assertEquals(DatapathMode.NETDEV, DatapathMode.AUTO.resolve(false));
        assertEquals(DatapathMode.NETDEV, DatapathMode.NETDEV.resolve(true));
        assertEquals(DatapathMode.SYSTEM, DatapathMode.parse("System"));
    }
}
