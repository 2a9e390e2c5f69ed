package io.ovsfabric.agent.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.model.FabricHost;
import io.ovsfabric.agent.model.FabricSettings;
import io.ovsfabric.agent.model.FabricView;
import io.ovsfabric.agent.model.LocalHost;
import io.ovsfabric.agent.model.TopologyUpdate;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentStateStoreTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsAndLeavesNoTemporaryFile() throws Exception {
        AgentStateStore store = new AgentStateStore(dir.resolve("state"));
        assertTrue(store.load().isEmpty());
        FabricSettings fabric = new FabricSettings(Cidr.parse("10.200.0.0/16"), 24, 7, 1500, 42, 2, "fab-1");
        LocalHost self = new LocalHost(HostId.of("h1"), Ipv4Address.parse("192.0.2.11"), Cidr.parse("10.200.1.0/24"),
                Ipv4Address.parse("10.200.1.1"), 1458);
        FabricView view = FabricView.of(new TopologyUpdate.Snapshot(fabric, List.of(
                new FabricHost(HostId.of("h1"), Ipv4Address.parse("192.0.2.11"), Cidr.parse("10.200.1.0/24"), true),
                new FabricHost(HostId.of("h2"), Ipv4Address.parse("192.0.2.12"), Cidr.parse("10.200.2.0/24"), false)),
                42));
        store.save(new AgentState(self, view));
        store.save(new AgentState(self, view)); // overwriting works
        AgentState loaded = store.load().orElseThrow();
        assertEquals(self, loaded.self());
        assertEquals(view, loaded.view());
        assertFalse(Files.exists(dir.resolve("state").resolve(AgentStateStore.FILE + ".tmp")));
    }

    @Test
    void aCorruptFileSaysWhatToDo() throws Exception {
        Files.writeString(dir.resolve(AgentStateStore.FILE), "{not json");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> new AgentStateStore(dir).load());
        assertTrue(e.getMessage().contains("move it away"), e.getMessage());
    }
}
