package io.ovsfabric.agent.docker.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.docker.MacAddress;
import io.ovsfabric.agent.model.PublishedPort;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The wire format: field names as libnetwork sends and reads them, validation, and error fields per family. */
class PluginProtocolTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NID = "a".repeat(64);
    private static final String EID = "b".repeat(64);

    /** Records the domain calls it receives and answers fixed values; can be told to refuse. */
    private static class Recorder implements NetworkDriverService, IpamService {
        final List<Object> calls = new ArrayList<>();
        AgentException refuse;

        private void record(Object call) {
            calls.add(call);
            if (refuse != null) {
                throw refuse;
            }
        }

        public void createNetwork(CreateNetwork call) { record(call); }
        public void deleteNetwork(String networkId) { record("deleteNetwork " + networkId); }
        public CreatedEndpoint createEndpoint(CreateEndpoint call) {
            record(call);
            return new CreatedEndpoint(call.mac().isPresent() ? Optional.empty()
                    : Optional.of(MacAddress.parse("02:42:0a:c9:00:05")));
        }
        public void deleteEndpoint(String n, String e) { record("deleteEndpoint"); }
        public Map<String, String> endpointOperInfo(String n, String e) { record("info"); return Map.of("k", "v"); }
        public JoinedEndpoint join(Join call) {
            record(call);
            return new JoinedEndpoint("ofxc0123456789", "eth", Ipv4Address.parse("10.201.0.1"));
        }
        public void leave(String n, String e) { record("leave"); }
        public void programExternalConnectivity(ExternalConnectivity call) { record(call); }
        public void revokeExternalConnectivity(String n, String e) { record("revoke"); }
        public PoolGrant requestPool(PoolRequest r) {
            record(r);
            return new PoolGrant("ofx-p1", r.pool().orElseThrow(), Map.of("com.docker.network.gateway", "10.201.0.1/16"));
        }
        public void releasePool(String poolId) { record("releasePool " + poolId); }
        public AddressGrant requestAddress(AddressRequest r) {
            record(r);
            return new AddressGrant(Ipv4Address.parse("10.201.0.7"), 16);
        }
        public void releaseAddress(String poolId, Ipv4Address a) { record("releaseAddress " + a); }
    }

    private final Recorder services = new Recorder();
    private final PluginProtocol protocol = new PluginProtocol(services, services);

    private JsonNode post(String path, String body) {
        PluginReply reply = protocol.handle("POST", path, body.getBytes(StandardCharsets.UTF_8));
        assertEquals(200, reply.status(), reply.json());
        try {
            return JSON.readTree(reply.json());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void activateDeclaresBothDrivers() {
        JsonNode reply = post("/Plugin.Activate", "");
        assertEquals("[\"NetworkDriver\",\"IpamDriver\"]", reply.get("Implements").toString());
    }

    @Test
    void capabilitiesAndAddressSpaces() {
        JsonNode caps = post("/NetworkDriver.GetCapabilities", "null");
        assertEquals("local", caps.get("Scope").asText());
        assertEquals("global", caps.get("ConnectivityScope").asText());
        JsonNode ipamCaps = post("/IpamDriver.GetCapabilities", "{}");
        assertTrue(ipamCaps.get("RequiresMACAddress").asBoolean());
        assertFalse(ipamCaps.get("RequiresRequestReplay").asBoolean());
        JsonNode spaces = post("/IpamDriver.GetDefaultAddressSpaces", "");
        assertEquals("ovsfabric", spaces.get("LocalDefaultAddressSpace").asText());
        assertEquals("ovsfabric", spaces.get("GlobalDefaultAddressSpace").asText());
    }

    @Test
    void requestPoolAndAddressUseLibnetworkFieldNames() {
        JsonNode pool = post("/IpamDriver.RequestPool", "{\"AddressSpace\":\"ovsfabric\",\"Pool\":\"10.201.0.0/16\","
                + "\"SubPool\":\"\",\"Options\":{\"a\":\"b\"},\"V6\":false}");
        assertEquals("ofx-p1", pool.get("PoolID").asText());
        assertEquals("10.201.0.0/16", pool.get("Pool").asText());
        assertEquals("10.201.0.1/16", pool.get("Data").get("com.docker.network.gateway").asText());
        assertEquals(new IpamService.PoolRequest("ovsfabric", Optional.of(Cidr.parse("10.201.0.0/16")), Map.of("a", "b")),
                services.calls.get(0));

        JsonNode address = post("/IpamDriver.RequestAddress", "{\"PoolID\":\"ofx-p1\",\"Address\":\"\",\"Options\":{"
                + "\"com.docker.network.endpoint.macaddress\":\"02:42:0A:C9:00:07\"}}");
        assertEquals("10.201.0.7/16", address.get("Address").asText());
        assertTrue(address.get("Data").isObject());
        assertEquals(new IpamService.AddressRequest("ofx-p1", Optional.empty(), false,
                Optional.of(MacAddress.parse("02:42:0a:c9:00:07"))), services.calls.get(1));

        post("/IpamDriver.RequestAddress", "{\"PoolID\":\"ofx-p1\",\"Address\":\"10.201.0.1\",\"Options\":{"
                + "\"RequestAddressType\":\"com.docker.network.gateway\"}}");
        assertEquals(new IpamService.AddressRequest("ofx-p1", Optional.of(Ipv4Address.parse("10.201.0.1")), true,
                Optional.empty()), services.calls.get(2));
        assertEquals("{}", post("/IpamDriver.ReleaseAddress", "{\"PoolID\":\"ofx-p1\",\"Address\":\"10.201.0.7\"}").toString());
        assertEquals("{}", post("/IpamDriver.ReleasePool", "{\"PoolID\":\"ofx-p1\"}").toString());
    }

    @Test
    void createNetworkReadsIpamDataAndGenericOptions() {
        post("/NetworkDriver.CreateNetwork", "{\"NetworkID\":\"" + NID + "\",\"Options\":{\"com.docker.network.enable_ipv6\":false,"
                + "\"com.docker.network.generic\":{\"io.ovsfabric.network-id\":\"fn1\",\"num\":5}},"
                + "\"IPv4Data\":[{\"AddressSpace\":\"ovsfabric\",\"Pool\":\"10.201.0.0/16\",\"Gateway\":\"10.201.0.1/16\","
                + "\"AuxAddresses\":{}}],\"IPv6Data\":[]}");
        assertEquals(new NetworkDriverService.CreateNetwork(NID, "ovsfabric", Cidr.parse("10.201.0.0/16"),
                Ipv4Address.parse("10.201.0.1"), Map.of("io.ovsfabric.network-id", "fn1")), services.calls.get(0));
    }

    @Test
    void createEndpointAnswersTheMacOnlyWhenDockerGaveNone() {
        JsonNode reply = post("/NetworkDriver.CreateEndpoint", "{\"NetworkID\":\"" + NID + "\",\"EndpointID\":\"" + EID
                + "\",\"Interface\":{\"Address\":\"10.201.0.7/16\",\"AddressIPv6\":\"\",\"MacAddress\":\"\"},\"Options\":{}}");
        assertEquals("02:42:0a:c9:00:05", reply.get("Interface").get("MacAddress").asText());
        assertFalse(reply.get("Interface").has("Address"), "libnetwork refuses a driver that changes the address");
        JsonNode withMac = post("/NetworkDriver.CreateEndpoint", "{\"NetworkID\":\"" + NID + "\",\"EndpointID\":\"" + EID
                + "\",\"Interface\":{\"Address\":\"10.201.0.7/16\",\"MacAddress\":\"02:42:0a:c9:00:07\"}}");
        assertFalse(withMac.has("Interface"));
    }

    @Test
    void joinAnswersInterfaceNameAndGateway() {
        JsonNode reply = post("/NetworkDriver.Join", "{\"NetworkID\":\"" + NID + "\",\"EndpointID\":\"" + EID
                + "\",\"SandboxKey\":\"/var/run/docker/netns/1234\",\"Options\":{}}");
        assertEquals("ofxc0123456789", reply.get("InterfaceName").get("SrcName").asText());
        assertEquals("eth", reply.get("InterfaceName").get("DstPrefix").asText());
        assertEquals("10.201.0.1", reply.get("Gateway").asText());
        assertEquals(new NetworkDriverService.Join(NID, EID, "/var/run/docker/netns/1234"), services.calls.get(0));
    }

    @Test
    void operInfoDiscoveryAndSwarmCalls() {
        assertEquals("v", post("/NetworkDriver.EndpointOperInfo", "{\"NetworkID\":\"" + NID + "\",\"EndpointID\":\"" + EID
                + "\"}").get("Value").get("k").asText());
        assertEquals("{}", post("/NetworkDriver.DiscoverNew", "{\"DiscoveryType\":1,\"DiscoveryData\":{\"Address\":\"192.0.2.1\","
                + "\"self\":true}}").toString());
        assertEquals("{}", post("/NetworkDriver.DiscoverDelete", "{\"DiscoveryType\":1,\"DiscoveryData\":null}").toString());
        assertEquals("{}", post("/NetworkDriver.AllocateNetwork", "{\"NetworkID\":\"" + NID + "\",\"Options\":{}}")
                .get("Options").toString());
        assertEquals("{}", post("/NetworkDriver.FreeNetwork", "{\"NetworkID\":\"" + NID + "\"}").toString());
        assertEquals("{}", post("/NetworkDriver.ProgramExternalConnectivity", "{\"NetworkID\":\"" + NID
                + "\",\"EndpointID\":\"" + EID + "\",\"Options\":{\"com.docker.network.portmap\":[]}}").toString());
    }

    @Test
    void malformedRequestsGetTheFamilysErrorFieldAndReachNoService() {
        assertEquals("Err", errorField("/NetworkDriver.CreateNetwork", "{not json"));
        assertEquals("Error", errorField("/IpamDriver.RequestPool", "{not json"));
        assertEquals("Err", errorField("/NetworkDriver.Join", "[1,2]"));
        assertEquals("Err", errorField("/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"short\"}"));
        assertEquals("Err", errorField("/NetworkDriver.DeleteNetwork", "{\"NetworkID\":42}"));
        assertEquals("Err", errorField("/NetworkDriver.DeleteNetwork", "{}"));
        assertEquals("Err", errorField("/NetworkDriver.Join", "{\"NetworkID\":\"" + NID + "\",\"EndpointID\":\"" + EID + "\"}"));
        assertEquals("Err", errorField("/NetworkDriver.CreateEndpoint", "{\"NetworkID\":\"" + NID + "\",\"EndpointID\":\""
                + EID + "\",\"Interface\":{\"Address\":\"10.201.0.7\"}}"));
        assertEquals("Err", errorField("/NetworkDriver.CreateEndpoint", "{\"NetworkID\":\"" + NID + "\",\"EndpointID\":\""
                + EID + "\",\"Interface\":{\"Address\":\"10.201.0.7/16\",\"AddressIPv6\":\"fd00::7/64\"}}"));
        assertEquals("Err", errorField("/NetworkDriver.CreateEndpoint", "{\"NetworkID\":\"" + NID + "\",\"EndpointID\":\""
                + EID + "\",\"Interface\":{\"Address\":\"10.201.0.7/16\",\"MacAddress\":\"zz\"}}"));
        assertEquals("Err", errorField("/NetworkDriver.CreateEndpoint", "{\"NetworkID\":\"" + NID + "\",\"EndpointID\":\""
                + EID + "\",\"Interface\":{}}"));
        assertEquals("Err", errorField("/NetworkDriver.CreateNetwork", "{\"NetworkID\":\"" + NID + "\",\"IPv4Data\":[]}"));
        assertEquals("Err", errorField("/NetworkDriver.CreateNetwork", "{\"NetworkID\":\"" + NID + "\",\"IPv4Data\":[{"
                + "\"Pool\":\"10.201.0.0/16\",\"Gateway\":\"10.202.0.1/16\"}]}"));
        assertEquals("Err", errorField("/NetworkDriver.CreateNetwork", "{\"NetworkID\":\"" + NID + "\",\"IPv4Data\":[{"
                + "\"Pool\":\"10.201.0.0/16\",\"Gateway\":\"10.201.0.1/16\"}],\"IPv6Data\":[{\"Pool\":\"fd00::/64\"}]}"));
        assertEquals("Err", errorField("/NetworkDriver.DiscoverNew", "{\"DiscoveryType\":\"node\"}"));
        assertEquals("Error", errorField("/IpamDriver.RequestPool", "{\"Pool\":\"10.201.0.0/16\"}"));
        assertEquals("Error", errorField("/IpamDriver.RequestPool", "{\"AddressSpace\":\"ovsfabric\",\"Pool\":\"10.201.0.0/16\",\"V6\":\"no\"}"));
        assertEquals("Error", errorField("/IpamDriver.RequestAddress", "{\"PoolID\":\"ofx-p1\",\"Address\":\"10.201.0.300\"}"));
        assertEquals("Error", errorField("/IpamDriver.RequestAddress", "{\"PoolID\":\"ofx-p1\",\"Options\":{\"x\":1}}"));
        assertEquals("Error", errorField("/IpamDriver.ReleaseAddress", "{\"PoolID\":\"ofx-p1\"}"));
        assertEquals("Error", errorField("/IpamDriver.ReleasePool", "{\"PoolID\":\"bad id with spaces\"}"));
        assertEquals(List.of(), services.calls);
    }

    @Test
    void serviceRefusalsBecomeErrorsOfTheRightFamily() {
        services.refuse = AgentException.notFound("NetworkDriver.Leave: unknown endpoint");
        JsonNode err = post("/NetworkDriver.Leave", "{\"NetworkID\":\"" + NID + "\",\"EndpointID\":\"" + EID + "\"}");
        assertEquals("{\"Err\":\"NetworkDriver.Leave: unknown endpoint\"}", err.toString());
        services.refuse = AgentException.conflict("still used");
        JsonNode error = post("/IpamDriver.ReleasePool", "{\"PoolID\":\"ofx-p1\"}");
        assertEquals("{\"Error\":\"still used\"}", error.toString());
    }

    @Test
    void unexpectedFailuresAreRepliedAndReported() {
        NetworkDriverService broken = new Recorder() {
            @Override
            public void deleteNetwork(String networkId) {
                throw new IllegalStateException("boom");
            }
        };
        PluginReply reply = new PluginProtocol(broken, services).handle("POST", "/NetworkDriver.DeleteNetwork",
                ("{\"NetworkID\":\"" + NID + "\"}").getBytes(StandardCharsets.UTF_8));
        assertEquals(200, reply.status());
        assertTrue(reply.json().contains("\"Err\":\"NetworkDriver.DeleteNetwork: internal error"), reply.json());
        assertTrue(reply.unexpected().isPresent());
    }

    @Test
    void unknownCallsAre404AndOtherMethods405() {
        PluginReply unknown = protocol.handle("POST", "/NetworkDriver.Teleport", new byte[0]);
        assertEquals(404, unknown.status());
        assertTrue(unknown.json().startsWith("{\"Err\":"), unknown.json());
        PluginReply get = protocol.handle("GET", "/IpamDriver.GetCapabilities", new byte[0]);
        assertEquals(405, get.status());
        assertTrue(get.json().startsWith("{\"Error\":"), get.json());
    }

    /** What Docker 20.10 sends for docker run -p 8081:80 -p 127.0.0.1:5353:53/udp -p 9000-9009:90 -p 80 --expose 7. */
    @Test
    void programExternalConnectivityReadsLibnetworksPortMap() {
        String options = "{\"com.docker.network.endpoint.exposedports\":[{\"Proto\":6,\"Port\":7},{\"Proto\":6,\"Port\":80}],"
                + "\"com.docker.network.portmap\":["
                + "{\"Proto\":6,\"IP\":\"\",\"Port\":80,\"HostIP\":\"\",\"HostPort\":8081,\"HostPortEnd\":8081},"
                + "{\"Proto\":17,\"IP\":\"\",\"Port\":53,\"HostIP\":\"127.0.0.1\",\"HostPort\":5353,\"HostPortEnd\":0},"
                + "{\"Proto\":6,\"IP\":\"10.201.0.5\",\"Port\":90,\"HostIP\":\"0.0.0.0\",\"HostPort\":9000,\"HostPortEnd\":9009},"
                + "{\"Proto\":6,\"IP\":\"\",\"Port\":80,\"HostIP\":\"\",\"HostPort\":0,\"HostPortEnd\":0}],"
                + "\"com.docker.network.generic\":{}}";
        assertEquals("{}", post("/NetworkDriver.ProgramExternalConnectivity", "{\"NetworkID\":\"" + NID
                + "\",\"EndpointID\":\"" + EID + "\",\"Options\":" + options + "}").toString());
        PublishedPort.Protocol tcp = PublishedPort.Protocol.TCP;
        assertEquals(new NetworkDriverService.ExternalConnectivity(NID, EID, List.of(
                new NetworkDriverService.PortBinding(tcp, Optional.empty(), 80, PublishedPort.ANY, 8081, 8081),
                new NetworkDriverService.PortBinding(PublishedPort.Protocol.UDP, Optional.empty(), 53,
                        Ipv4Address.parse("127.0.0.1"), 5353, 5353),
                new NetworkDriverService.PortBinding(tcp, Optional.of(Ipv4Address.parse("10.201.0.5")), 90,
                        PublishedPort.ANY, 9000, 9009),
                new NetworkDriverService.PortBinding(tcp, Optional.empty(), 80, PublishedPort.ANY, 0, 0))),
                services.calls.get(0));

        services.calls.clear();
        post("/NetworkDriver.ProgramExternalConnectivity", "{\"NetworkID\":\"" + NID + "\",\"EndpointID\":\"" + EID
                + "\",\"Options\":{\"com.docker.network.portmap\":null}}");
        post("/NetworkDriver.ProgramExternalConnectivity", "{\"NetworkID\":\"" + NID + "\",\"EndpointID\":\"" + EID + "\"}");
        assertEquals(List.of(new NetworkDriverService.ExternalConnectivity(NID, EID, List.of()),
                new NetworkDriverService.ExternalConnectivity(NID, EID, List.of())), services.calls);
    }

    @Test
    void badPortBindingsAreRefusedSayingWhatToFix() {
        Map<String, String> cases = Map.of(
                "{\"Proto\":132,\"Port\":80,\"HostPort\":8081}", "Proto 132 cannot be published on an ovsfabric network",
                "{\"Proto\":6,\"Port\":0,\"HostPort\":8081}", "Port (the container port) is missing",
                "{\"Proto\":6,\"Port\":80,\"HostPort\":70000}", "[0]: HostPort must be an integer from 0 to 65535",
                "{\"Proto\":6,\"Port\":80,\"HostPort\":\"8081\"}", "HostPort must be an integer",
                "{\"Proto\":6,\"Port\":80,\"HostIP\":\"::\",\"HostPort\":8081}", "HostIP :: is an IPv6 address",
                "{\"Proto\":6,\"Port\":80,\"HostIP\":\"1.2.3\",\"HostPort\":8081}", "HostIP",
                "{\"Proto\":6,\"Port\":80,\"HostPort\":8090,\"HostPortEnd\":8081}", "HostPortEnd 8081 is below HostPort 8090",
                "{\"Proto\":6,\"Port\":80,\"HostPort\":0,\"HostPortEnd\":8081}", "HostPortEnd 8081 without a HostPort",
                "7", "Options.com.docker.network.portmap[0] must be a JSON object");
        cases.forEach((binding, message) -> {
            JsonNode reply = post("/NetworkDriver.ProgramExternalConnectivity", "{\"NetworkID\":\"" + NID
                    + "\",\"EndpointID\":\"" + EID + "\",\"Options\":{\"com.docker.network.portmap\":[" + binding + "]}}");
            String err = reply.path("Err").asText();
            assertTrue(err.startsWith("NetworkDriver.ProgramExternalConnectivity: ") && err.contains(message),
                    binding + " -> " + reply);
        });
        JsonNode notList = post("/NetworkDriver.ProgramExternalConnectivity", "{\"NetworkID\":\"" + NID
                + "\",\"EndpointID\":\"" + EID + "\",\"Options\":{\"com.docker.network.portmap\":{}}}");
        assertTrue(notList.path("Err").asText().contains("com.docker.network.portmap must be a JSON array"), notList.toString());
        assertEquals(List.of(), services.calls, "refused requests reach no service");
    }

    private String errorField(String path, String body) {
        JsonNode reply = post(path, body);
        assertEquals(1, reply.size(), reply.toString());
        String field = reply.fieldNames().next();
        assertFalse(reply.get(field).asText().isEmpty());
        return field;
    }
}
