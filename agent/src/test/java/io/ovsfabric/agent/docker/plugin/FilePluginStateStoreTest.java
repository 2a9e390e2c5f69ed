package io.ovsfabric.agent.docker.plugin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.docker.MacAddress;
import io.ovsfabric.agent.model.PublishedPort;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FilePluginStateStoreTest {
    @TempDir
    Path dir;

    private static PluginState sample() {
        return PluginState.empty()
                .withPool(new PluginState.Pool("ofx-fn1", Cidr.parse("10.201.0.0/24"), "fn1", Ipv4Address.parse("10.201.0.1"), 1))
                .withPool(new PluginState.Pool("ofx-0a1b", Cidr.parse("10.202.0.0/24"), "", null, 2))
                .withNetwork(new PluginState.Network("n".repeat(64), "ofx-fn1", Cidr.parse("10.201.0.0/24"),
                        Ipv4Address.parse("10.201.0.1")))
                .withAllocation(new PluginState.Allocation("h1:fn1:00aa", "ofx-fn1", Ipv4Address.parse("10.201.0.2"),
                        MacAddress.parse("02:42:0a:c9:00:02"), PluginState.AllocationKind.ENDPOINT, "e".repeat(64), 17L))
                .withAllocation(new PluginState.Allocation("h1:fn1:00bb", "ofx-fn1", null, null,
                        PluginState.AllocationKind.RESERVED, "", 18L))
                .withEndpoint(new PluginState.Endpoint("e".repeat(64), "n".repeat(64), "h1:fn1:00aa",
                        Ipv4Address.parse("10.201.0.2"), 24, MacAddress.parse("02:42:0a:c9:00:02"), "ofxheeeeeeeeeee",
                        "ofxceeeeeeeeeee", "/var/run/docker/netns/x", "cid", "web", List.of("web", "cid"),
                        List.of(new PublishedPort(PublishedPort.Protocol.TCP, PublishedPort.ANY, 8081,
                                Ipv4Address.parse("10.201.0.2"), 80, "e".repeat(64)))));
    }

    @Test
    void roundTripsEveryField() {
        FilePluginStateStore store = new FilePluginStateStore(dir);
        assertEquals(PluginState.empty(), store.load());
        store.save(sample());
        assertEquals(sample(), new FilePluginStateStore(dir).load());
        assertFalse(Files.exists(dir.resolve(FilePluginStateStore.FILE_NAME + ".tmp")));
    }

    @Test
    void aStateFileOfAnAgentWithoutPublishedPortsLoadsWithNone() throws IOException {
        FilePluginStateStore store = new FilePluginStateStore(dir);
        store.save(sample());
        Path file = dir.resolve(FilePluginStateStore.FILE_NAME);
        ObjectNode tree = (ObjectNode) new ObjectMapper().readTree(file.toFile());
        tree.get("endpoints").forEach(e -> ((ObjectNode) e).remove("published"));
        String old = tree.toString();
        assertFalse(old.contains("published"), old);
        Files.writeString(file, old);
        assertEquals(List.of(), store.load().endpoints().get("e".repeat(64)).published());
    }

    @Test
    void aLeftoverTemporaryFileDoesNotMatter() throws IOException {
        FilePluginStateStore store = new FilePluginStateStore(dir);
        store.save(sample());
        Files.writeString(dir.resolve(FilePluginStateStore.FILE_NAME + ".tmp"), "{half a wri");
        assertEquals(sample(), store.load());
        store.save(PluginState.empty());
        assertEquals(PluginState.empty(), store.load());
    }

    @Test
    void aCorruptOrForeignFileIsReportedWithWhatToDo() throws IOException {
        Files.writeString(dir.resolve(FilePluginStateStore.FILE_NAME), "{\"version\": 1, \"pools\": [");
        AgentException e = assertThrows(AgentException.class, () -> new FilePluginStateStore(dir).load());
        assertTrue(e.getMessage().contains("move the file away"), e.getMessage());
        Files.writeString(dir.resolve(FilePluginStateStore.FILE_NAME),
                "{\"version\":9,\"pools\":{},\"networks\":{},\"allocations\":{},\"endpoints\":{}}");
        e = assertThrows(AgentException.class, () -> new FilePluginStateStore(dir).load());
        assertTrue(e.getMessage().contains("state version 9"), e.getMessage());
    }
}
