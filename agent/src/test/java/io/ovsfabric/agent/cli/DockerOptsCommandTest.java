package io.ovsfabric.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.model.FabricHost;
import io.ovsfabric.agent.model.FabricSettings;
import io.ovsfabric.agent.model.FabricView;
import io.ovsfabric.agent.model.LocalHost;
import io.ovsfabric.agent.model.TopologyUpdate;
import io.ovsfabric.agent.state.AgentState;
import io.ovsfabric.agent.state.AgentStateStore;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.TunnelKey;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docker-opts when the controller cannot be reached (port 1 on loopback refuses at once). */
class DockerOptsCommandTest {
    private static final String NOBODY_LISTENS = "127.0.0.1:1";

    @TempDir
    Path state;

    private void saveStateOf(String host) {
        FabricSettings fabric = new FabricSettings(Cidr.parse("10.200.0.0/16"), 24, TunnelKey.of(7), 1500, 42, 2, "fab-1");
        LocalHost self = new LocalHost(HostId.of(host), Ipv4Address.parse("192.0.2.11"), Cidr.parse("10.200.1.0/24"),
                Ipv4Address.parse("10.200.1.1"), 1458);
        new AgentStateStore(state).save(new AgentState(self, FabricView.of(new TopologyUpdate.Snapshot(fabric, List.of(
                new FabricHost(HostId.of(host), Ipv4Address.parse("192.0.2.11"), Cidr.parse("10.200.1.0/24"), true)), 42))));
    }

    @Test
    void withTheControllerDownTheAgentsSavedSettingsArePrintedWithANote() {
        saveStateOf("h1");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = AgentMainAccess.commandLine(out, err).execute("docker-opts", "--insecure", "--controller", NOBODY_LISTENS,
                "--host-id", "h1", "--state-dir", state.toString());
        assertEquals(0, exit, err.toString());
        assertEquals("--bip 10.200.1.1/16 --fixed-cidr 10.200.1.128/25 --mtu 1458 --dns 10.200.1.1", out.toString().strip());
        assertTrue(err.toString().contains("controller " + NOBODY_LISTENS + " unreachable"), err.toString());
        assertTrue(err.toString().contains("subnet 10.200.1.0/24"), err.toString());
    }

    @Test
    void withoutSavedSettingsOfThisHostItFailsAndSaysWhatToDo() {
        saveStateOf("h2");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = AgentMainAccess.commandLine(out, err).execute("docker-opts", "--insecure", "--controller", NOBODY_LISTENS,
                "--host-id", "h1", "--state-dir", state.toString());
        assertEquals(1, exit);
        assertEquals("", out.toString());
        assertTrue(err.toString().contains("holds no saved settings of host h1"), err.toString());
        assertTrue(err.toString().contains("start the controller"), err.toString());
    }
}
