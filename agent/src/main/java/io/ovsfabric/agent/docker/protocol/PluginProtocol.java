package io.ovsfabric.agent.docker.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.model.PublishedPort;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.common.Ipv4Address;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The Docker plugin protocol (libnetwork remote network driver + remote IPAM), transport-free: an HTTP method, a
 * path and a body in, a status and JSON body out. It parses and validates every request, calls the domain
 * services, and turns every refusal into the error field of the call's family ({@code Err} for the plugin and
 * network driver calls, {@code Error} for IPAM) with HTTP 200, as libnetwork reads them. Unknown calls get 404,
 * which libnetwork treats as "not implemented".
 */
public final class PluginProtocol {
    public static final String CONTENT_TYPE = "application/vnd.docker.plugins.v1.2+json";
    public static final String NETWORK_DRIVER = "NetworkDriver";
    public static final String IPAM_DRIVER = "IpamDriver";

    private static final String GENERIC_OPTIONS = "com.docker.network.generic";
    private static final String REQUEST_ADDRESS_TYPE = "RequestAddressType";
    private static final String GATEWAY_REQUEST = "com.docker.network.gateway";
    private static final String ENDPOINT_MAC_OPTION = "com.docker.network.endpoint.macaddress";
    private static final String PORT_MAP_OPTION = "com.docker.network.portmap";
    private static final String EXPOSED_PORTS_OPTION = "com.docker.network.endpoint.exposedports";

    private final ObjectMapper json = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private final Map<String, Function<JsonRequest, JsonNode>> calls = new LinkedHashMap<>();
    private final NetworkDriverService driver;
    private final IpamService ipam;

    public PluginProtocol(NetworkDriverService driver, IpamService ipam) {
        this.driver = driver;
        this.ipam = ipam;
        calls.put("/Plugin.Activate", r -> obj().set("Implements", json.createArrayNode().add(NETWORK_DRIVER).add(IPAM_DRIVER)));
        registerNetworkDriver();
        registerIpam();
    }

    /** Handles one request. Never throws: every outcome is a reply. */
    public PluginReply handle(String method, String path, byte[] body) {
        String field = path.startsWith("/" + IPAM_DRIVER + ".") ? "Error" : "Err";
        Function<JsonRequest, JsonNode> call = calls.get(path);
        if (call == null) {
            return error(404, "Err", "unknown plugin call " + path + " (ovsfabric implements " + NETWORK_DRIVER
                    + " and " + IPAM_DRIVER + ")", null);
        }
        if (!"POST".equals(method)) {
            return error(405, field, path + " must be called with POST, not " + method, null);
        }
        String name = path.substring(1);
        try {
            JsonNode result = call.apply(new JsonRequest(name, parse(name, body)));
            return new PluginReply(200, json.writeValueAsString(result), false, Optional.empty());
        } catch (AgentException e) {
            return error(200, field, e.getMessage(), null);
        } catch (InvalidInputException e) {
            return error(200, field, name + ": " + e.getMessage(), null);
        } catch (RuntimeException | JsonProcessingException e) {
            return error(200, field, name + ": internal error in the ovsfabric agent (" + e
                    + "); see the agent log", e);
        }
    }

    private JsonNode parse(String call, byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).trim();
        if (text.isEmpty() || text.equals("null")) {
            return json.createObjectNode();   // calls without a payload send no body (or "null")
        }
        JsonNode node;
        try {
            node = json.readTree(text);
        } catch (JsonProcessingException e) {
            throw AgentException.invalid(call + ": request body is not valid JSON: " + e.getOriginalMessage());
        }
        if (!node.isObject()) {
            throw AgentException.invalid(call + ": request body must be a JSON object");
        }
        return node;
    }

    private void registerNetworkDriver() {
        String p = "/" + NETWORK_DRIVER + ".";
        calls.put(p + "GetCapabilities", r -> obj().put("Scope", "local").put("ConnectivityScope", "global"));
        calls.put(p + "CreateNetwork", r -> {
            driver.createNetwork(createNetwork(r));
            return obj();
        });
        calls.put(p + "DeleteNetwork", r -> {
            driver.deleteNetwork(r.dockerId("NetworkID"));
            return obj();
        });
        calls.put(p + "CreateEndpoint", r -> createEndpoint(r));
        calls.put(p + "DeleteEndpoint", r -> {
            driver.deleteEndpoint(r.dockerId("NetworkID"), r.dockerId("EndpointID"));
            return obj();
        });
        calls.put(p + "EndpointOperInfo", r -> {
            ObjectNode value = obj();
            driver.endpointOperInfo(r.dockerId("NetworkID"), r.dockerId("EndpointID")).forEach(value::put);
            return obj().set("Value", value);
        });
        calls.put(p + "Join", r -> join(r));
        calls.put(p + "Leave", r -> {
            driver.leave(r.dockerId("NetworkID"), r.dockerId("EndpointID"));
            return obj();
        });
        calls.put(p + "ProgramExternalConnectivity", r -> {
            driver.programExternalConnectivity(externalConnectivity(r));
            return obj();
        });
        calls.put(p + "RevokeExternalConnectivity", r -> {
            driver.revokeExternalConnectivity(r.dockerId("NetworkID"), r.dockerId("EndpointID"));
            return obj();
        });
        // Node discovery is for cluster stores; the controller already tells every agent about every host.
        calls.put(p + "DiscoverNew", r -> {
            r.requiredInt("DiscoveryType");
            return obj();
        });
        calls.put(p + "DiscoverDelete", r -> {
            r.requiredInt("DiscoveryType");
            return obj();
        });
        // Swarm-manager calls: only sent to "global" scope drivers; answered so that a misrouted call is harmless.
        calls.put(p + "AllocateNetwork", r -> {
            r.dockerId("NetworkID");
            r.stringMap("Options");
            return obj().set("Options", obj());
        });
        calls.put(p + "FreeNetwork", r -> {
            r.dockerId("NetworkID");
            return obj();
        });
    }

    private NetworkDriverService.CreateNetwork createNetwork(JsonRequest r) {
        String networkId = r.dockerId("NetworkID");
        if (r.array("IPv6Data").size() > 0) {
            throw r.invalid("IPv6 is not supported on ovsfabric networks; create the network without --ipv6");
        }
        JsonNode v4 = r.array("IPv4Data");
        if (v4.size() != 1) {
            throw r.invalid("expected exactly one IPv4 pool in IPv4Data, got " + v4.size()
                    + " (an ovsfabric network has one subnet)");
        }
        JsonRequest data = r.element("IPv4Data", v4.get(0));
        Cidr pool = data.cidr("Pool");
        JsonRequest.InterfaceAddress gateway = data.interfaceAddress("Gateway");
        if (!pool.contains(gateway.address())) {
            throw r.invalid("gateway " + gateway.address() + " is outside the pool " + pool);
        }
        Map<String, String> driverOptions = r.object("Options").lenientStringMap(GENERIC_OPTIONS);
        return new NetworkDriverService.CreateNetwork(networkId, data.optionalString("AddressSpace"), pool,
                gateway.address(), driverOptions);
    }

    private JsonNode createEndpoint(JsonRequest r) {
        String networkId = r.dockerId("NetworkID");
        String endpointId = r.dockerId("EndpointID");
        JsonRequest iface = r.object("Interface");
        if (!iface.optionalString("AddressIPv6").isEmpty()) {
            throw r.invalid("Interface.AddressIPv6 is set but ovsfabric networks are IPv4 only");
        }
        if (iface.optionalString("Address").isEmpty()) {
            throw r.invalid("Interface.Address is missing: the network must use the ovsfabric IPAM"
                    + " (docker network create -d ovsfabric --ipam-driver ovsfabric ...)");
        }
        JsonRequest.InterfaceAddress address = iface.interfaceAddress("Address");
        r.object("Options");
        NetworkDriverService.CreatedEndpoint created = driver.createEndpoint(new NetworkDriverService.CreateEndpoint(
                networkId, endpointId, address.address(), address.prefixLength(), iface.optionalMac("MacAddress")));
        ObjectNode reply = obj();
        created.assignedMac().ifPresent(mac -> reply.set("Interface", obj().put("MacAddress", mac.toString())));
        return reply;
    }

    /**
     * libnetwork's sandbox labels: {@code com.docker.network.portmap} is a list of types.PortBinding (Go field names,
     * Proto as the IP protocol number, net.IP as a string, "" when unset), {@code ...endpoint.exposedports} a list of
     * types.TransportPort; both may be absent or null.
     */
    private NetworkDriverService.ExternalConnectivity externalConnectivity(JsonRequest r) {
        String networkId = r.dockerId("NetworkID");
        String endpointId = r.dockerId("EndpointID");
        JsonRequest options = r.object("Options");
        JsonNode exposed = options.array(EXPOSED_PORTS_OPTION);
        for (int i = 0; i < exposed.size(); i++) {
            JsonRequest port = options.item("Options." + EXPOSED_PORTS_OPTION + "[" + i + "]", exposed.get(i));
            port.optionalInt("Proto", 0, 255);
            port.optionalInt("Port", 0, 65535);   // exposed only: nothing to program for these
        }
        JsonNode map = options.array(PORT_MAP_OPTION);
        List<NetworkDriverService.PortBinding> bindings = new ArrayList<>();
        for (int i = 0; i < map.size(); i++) {
            bindings.add(portBinding(options.item("Options." + PORT_MAP_OPTION + "[" + i + "]", map.get(i))));
        }
        return new NetworkDriverService.ExternalConnectivity(networkId, endpointId, bindings);
    }

    private static NetworkDriverService.PortBinding portBinding(JsonRequest b) {
        int number = b.optionalInt("Proto", 0, 255);
        PublishedPort.Protocol protocol = Arrays.stream(PublishedPort.Protocol.values())
                .filter(p -> p.number() == number).findFirst().orElseThrow(() -> b.invalid("Proto " + number
                        + " cannot be published on an ovsfabric network: only tcp (6) and udp (17) can"));
        int port = b.optionalInt("Port", 0, 65535);
        if (port == 0) {
            throw b.invalid("Port (the container port) is missing or 0");
        }
        Optional<Ipv4Address> containerIp = ipv4("IP", b);
        Ipv4Address hostIp = ipv4("HostIP", b).orElse(PublishedPort.ANY);
        int first = b.optionalInt("HostPort", 0, 65535);
        int last = b.optionalInt("HostPortEnd", 0, 65535);
        if (first == 0 && last != 0) {
            throw b.invalid("HostPortEnd " + last + " without a HostPort: give a range as -p FIRST-LAST:" + port);
        }
        if (last == 0) {
            last = first;
        }
        if (last < first) {
            throw b.invalid("HostPortEnd " + last + " is below HostPort " + first);
        }
        return new NetworkDriverService.PortBinding(protocol, containerIp, port, hostIp, first, last);
    }

    /** An IPv4 address field where "" means unset; an IPv6 one is refused with what to do instead. */
    private static Optional<Ipv4Address> ipv4(String field, JsonRequest b) {
        String text = b.optionalString(field);
        if (text.contains(":")) {
            throw b.invalid(field + " " + text + " is an IPv6 address; ovsfabric networks publish ports on IPv4"
                    + " only: publish without an address (-p 8080:80) or with an IPv4 one (-p 192.0.2.11:8080:80)");
        }
        return b.optionalAddress(field);
    }

    private JsonNode join(JsonRequest r) {
        String networkId = r.dockerId("NetworkID");
        String endpointId = r.dockerId("EndpointID");
        String sandboxKey = r.requiredString("SandboxKey");
        r.object("Options");
        NetworkDriverService.JoinedEndpoint joined = driver.join(
                new NetworkDriverService.Join(networkId, endpointId, sandboxKey));
        ObjectNode reply = obj();
        reply.set("InterfaceName", obj().put("SrcName", joined.interfaceName())
                .put("DstPrefix", joined.interfacePrefix()));
        reply.put("Gateway", joined.gateway().toString());
        reply.set("StaticRoutes", json.createArrayNode());
        reply.put("DisableGatewayService", false);
        return reply;
    }

    private void registerIpam() {
        String p = "/" + IPAM_DRIVER + ".";
        // RequiresMACAddress: libnetwork then sends the endpoint's MAC with every endpoint address request,
        // which tells endpoint requests apart from gateway and auxiliary-address requests.
        calls.put(p + "GetCapabilities", r -> obj().put("RequiresMACAddress", true).put("RequiresRequestReplay", false));
        calls.put(p + "GetDefaultAddressSpaces", r -> obj().put("LocalDefaultAddressSpace", IpamService.ADDRESS_SPACE)
                .put("GlobalDefaultAddressSpace", IpamService.ADDRESS_SPACE));
        calls.put(p + "RequestPool", r -> {
            String space = r.requiredString("AddressSpace");
            if (r.optionalBoolean("V6")) {
                throw r.invalid("IPv6 pools are not supported; create the network without --ipv6");
            }
            if (!r.optionalString("SubPool").isEmpty()) {
                throw r.invalid("sub-pools (--ip-range) are not supported: the fabric allocates from the whole"
                        + " subnet, on every host; drop --ip-range");
            }
            Optional<Cidr> pool = r.optionalString("Pool").isEmpty() ? Optional.empty() : Optional.of(r.cidr("Pool"));
            IpamService.PoolGrant grant = ipam.requestPool(new IpamService.PoolRequest(space, pool, r.stringMap("Options")));
            ObjectNode data = obj();
            grant.data().forEach(data::put);
            return obj().put("PoolID", grant.poolId()).put("Pool", grant.pool().toString()).set("Data", data);
        });
        calls.put(p + "ReleasePool", r -> {
            ipam.releasePool(r.poolId("PoolID"));
            return obj();
        });
        calls.put(p + "RequestAddress", r -> {
            String poolId = r.poolId("PoolID");
            Map<String, String> options = r.stringMap("Options");
            boolean gateway = GATEWAY_REQUEST.equals(options.get(REQUEST_ADDRESS_TYPE));
            IpamService.AddressGrant grant = ipam.requestAddress(new IpamService.AddressRequest(poolId,
                    r.optionalAddress("Address"), gateway,
                    JsonRequest.mac("IpamDriver.RequestAddress", "Options." + ENDPOINT_MAC_OPTION,
                            options.get(ENDPOINT_MAC_OPTION))));
            return obj().put("Address", grant.address() + "/" + grant.prefixLength()).set("Data", obj());
        });
        calls.put(p + "ReleaseAddress", r -> {
            String poolId = r.poolId("PoolID");
            ipam.releaseAddress(poolId, r.optionalAddress("Address")
                    .orElseThrow(() -> r.invalid("missing Address")));
            return obj();
        });
    }

    private ObjectNode obj() {
        return json.createObjectNode();
    }

    private PluginReply error(int status, String field, String message, Throwable unexpected) {
        ObjectNode body = obj().put(field, message);
        try {
            return new PluginReply(status, json.writeValueAsString(body), true, Optional.ofNullable(unexpected));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write an error reply", e);
        }
    }
}
