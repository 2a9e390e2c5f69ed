package io.ovsfabric.agent.docker.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.model.NetworkSpec;
import io.ovsfabric.agent.docker.plugin.PluginRuntime;
import io.ovsfabric.agent.docker.plugin.PluginSettings;
import io.ovsfabric.agent.docker.plugin.PluginState;
import io.ovsfabric.agent.testing.FakeFabricNetworks;
import io.ovsfabric.agent.testing.FakeHostDataPlane;
import io.ovsfabric.agent.testing.FakePluginStateStore;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The plugin over its real unix socket, spoken to with raw HTTP the way dockerd (or a broken client) would. */
class PluginSocketTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NID = "1".repeat(64);
    private static final String EID = "2".repeat(64);

    @TempDir
    Path dir;
    private Path socket;
    private FakeFabricNetworks fabric;
    private PluginRuntime runtime;
    private PluginServer server;

    private final FakeHostDataPlane DATA_PLANE = new FakeHostDataPlane();

    @BeforeEach
    void start() throws IOException {
        socket = dir.resolve("plugins").resolve("ovsfabric.sock");
        Files.createDirectories(socket.getParent());
        Files.writeString(socket, "stale file left by a dead agent");
        fabric = new FakeFabricNetworks();
        fabric.createNetwork(new NetworkSpec("appnet", Cidr.parse("10.201.0.0/24"), Optional.empty(), Map.of()));
        runtime = PluginRuntime.open(new FakePluginStateStore(), fabric, DATA_PLANE,
                DATA_PLANE, new PluginSettings(HostId.of("h1"), "br0", 1458, Duration.ofMinutes(2)), Clock.systemUTC());
        server = PluginServer.start(socket, runtime.protocol());
    }

    @AfterEach
    void stop() {
        server.close();
        assertFalse(Files.exists(socket), "the socket is removed on close");
    }

    @Test
    void activationAnswersWithThePluginContentType() throws IOException {
        try (RawHttp http = new RawHttp(socket)) {
            RawHttp.Response r = http.post("/Plugin.Activate", "");
            assertEquals(200, r.status());
            assertEquals("application/vnd.docker.plugins.v1.2+json", r.headers().get("content-type"));
            assertEquals("{\"Implements\":[\"NetworkDriver\",\"IpamDriver\"]}", r.body());
            // keep-alive: a second call on the same connection
            assertEquals("{\"Scope\":\"local\",\"ConnectivityScope\":\"global\"}",
                    http.post("/NetworkDriver.GetCapabilities", "").body());
        }
    }

    @Test
    void badJsonUnknownIdsAndOutOfOrderCallsGetErrorsAndChangeNothing() throws IOException {
        PluginState before = runtime.state();
        try (RawHttp http = new RawHttp(socket)) {
            assertError(http.post("/NetworkDriver.CreateNetwork", "{\"NetworkID\": \"" + NID), "Err", "not valid JSON");
            assertError(http.post("/IpamDriver.RequestPool", "{\"AddressSpace\":"), "Error", "not valid JSON");
            assertError(http.post("/NetworkDriver.Join", "{\"NetworkID\":\"" + NID + "\",\"EndpointID\":\"" + EID
                    + "\",\"SandboxKey\":\"/var/run/docker/netns/x\"}"), "Err", "unknown network");
            assertError(http.post("/IpamDriver.ReleasePool", "{\"PoolID\":\"ofx-unknown\"}"), "Error", "unknown pool");

            String poolId = json(http.post("/IpamDriver.RequestPool",
                    "{\"AddressSpace\":\"ovsfabric\",\"Pool\":\"10.201.0.0/24\",\"V6\":false}").body()).get("PoolID").asText();
            assertEquals("ofx-fn0001", poolId);
            assertEquals("{}", http.post("/NetworkDriver.CreateNetwork", "{\"NetworkID\":\"" + NID + "\",\"IPv4Data\":[{"
                    + "\"AddressSpace\":\"ovsfabric\",\"Pool\":\"10.201.0.0/24\",\"Gateway\":\"10.201.0.1/24\"}],"
                    + "\"Options\":{\"com.docker.network.generic\":{\"io.ovsfabric.network-id\":\"fn0001\"}}}").body());
            PluginState afterCreate = runtime.state();
            assertError(http.post("/NetworkDriver.Join", "{\"NetworkID\":\"" + NID + "\",\"EndpointID\":\"" + EID
                    + "\",\"SandboxKey\":\"/var/run/docker/netns/x\"}"), "Err", "CreateEndpoint comes first");
            assertError(http.post("/NetworkDriver.Leave", "{\"NetworkID\":\"" + NID + "\",\"EndpointID\":\"" + EID + "\"}"),
                    "Err", "unknown endpoint");
            assertError(http.post("/IpamDriver.ReleaseAddress", "{\"PoolID\":\"" + poolId + "\",\"Address\":\"10.201.0.9\"}"),
                    "Error", "not held by this host");
            assertEquals(afterCreate, runtime.state());
            assertTrue(before.networks().isEmpty());
        }
        assertTrue(fabric.endpoints().isEmpty());
    }

    @Test
    void closingTheServerClosesKeptAliveConnections() throws IOException {
        // dockerd keeps plugin connections alive and has no timeout: a connection left open hangs it forever.
        try (RawHttp http = new RawHttp(socket)) {
            assertEquals(200, http.post("/Plugin.Activate", "").status());
            server.close();
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertTrue(http.closedByServer()));
        }
        server = PluginServer.start(socket, runtime.protocol());   // what an agent restart does
        try (RawHttp http = new RawHttp(socket)) {
            assertEquals(200, http.post("/Plugin.Activate", "").status());
        }
    }

    @Test
    void unknownCallsAre404() throws IOException {
        try (RawHttp http = new RawHttp(socket)) {
            RawHttp.Response r = http.post("/VolumeDriver.Create", "{}");
            assertEquals(404, r.status());
            assertEquals("application/vnd.docker.plugins.v1.2+json", r.headers().get("content-type"));
            assertTrue(json(r.body()).get("Err").asText().contains("unknown plugin call"));
        }
    }

    @Test
    void garbageIsAnsweredWithAnErrorAndTheServerKeepsServing() throws IOException {
        try (RawHttp http = new RawHttp(socket)) {
            http.send("THIS IS NOT HTTP\r\n\r\n");
            RawHttp.Response r = http.read();
            assertTrue(r.status() >= 400, "status " + r.status());
        }
        try (RawHttp http = new RawHttp(socket)) {
            assertEquals(200, http.post("/Plugin.Activate", "").status());
        }
    }

    @Test
    void aSocketServedByAnotherProcessIsNotTakenOver() throws IOException {
        Path other = dir.resolve("busy.sock");
        try (ServerSocketChannel busy = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            busy.bind(UnixDomainSocketAddress.of(other));
            AgentException e = assertThrows(AgentException.class, () -> PluginServer.start(other, runtime.protocol()));
            assertTrue(e.getMessage().contains("another process serves"), e.getMessage());
        }
    }

    private static void assertError(RawHttp.Response r, String field, String text) throws IOException {
        assertEquals(200, r.status(), r.body());
        JsonNode body = json(r.body());
        assertEquals(1, body.size(), r.body());
        assertTrue(body.hasNonNull(field) && body.get(field).asText().contains(text), r.body());
    }

    private static JsonNode json(String body) throws IOException {
        return JSON.readTree(body);
    }
}
