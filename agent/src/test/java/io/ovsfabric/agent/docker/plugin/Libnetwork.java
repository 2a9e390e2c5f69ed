package io.ovsfabric.agent.docker.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ovsfabric.agent.docker.protocol.PluginProtocol;
import io.ovsfabric.agent.docker.protocol.PluginReply;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Plays dockerd's libnetwork against the plugin protocol: the same calls, in the same order, with the same JSON. */
final class Libnetwork {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Supplier<PluginProtocol> protocol;

    Libnetwork(Supplier<PluginProtocol> protocol) {
        this.protocol = protocol;
    }

    record Net(String id, String poolId, String subnet, String gateway) {}

    record Ep(Net net, String id, String address, String mac) {}

    /** A Docker-style 64-hex id derived from a readable seed. */
    static String id(String seed) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(seed.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    JsonNode call(String path, String body) {
        PluginReply reply = protocol.get().handle("POST", path, body.getBytes(StandardCharsets.UTF_8));
        assertEquals(200, reply.status(), path + " -> " + reply.json());
        try {
            return JSON.readTree(reply.json());
        } catch (Exception e) {
            throw new AssertionError("reply of " + path + " is not JSON: " + reply.json(), e);
        }
    }

    JsonNode ok(String path, String body) {
        JsonNode reply = call(path, body);
        assertFalse(reply.has("Err") || reply.has("Error"), path + " failed: " + reply);
        return reply;
    }

    /** Asserts the call was refused with the family's error field, and returns the message. */
    String refused(String path, String body) {
        JsonNode reply = call(path, body);
        String field = path.startsWith("/IpamDriver.") ? "Error" : "Err";
        assertTrue(reply.hasNonNull(field) && !reply.get(field).asText().isEmpty(), path + " should fail: " + reply);
        return reply.get(field).asText();
    }

    /**
     * docker network create -d ovsfabric --ipam-driver ovsfabric --subnet SUBNET [--gateway GW]. For the subnet of a
     * fabric network this is the engine sync creating its copy: like the sync, it names the fabric network in the
     * driver options (-o io.ovsfabric.network-id=ID) unless {@code driverOptions} are given.
     */
    Net createNetwork(String seed, String subnet, String gateway, String driverOptions) {
        JsonNode pool = ok("/IpamDriver.RequestPool",
                "{\"AddressSpace\":\"ovsfabric\",\"Pool\":\"" + subnet + "\",\"SubPool\":\"\",\"Options\":{},\"V6\":false}");
        String poolId = pool.get("PoolID").asText();
        assertEquals(subnet, pool.get("Pool").asText());
        JsonNode fabricId = pool.path("Data").path("io.ovsfabric.network-id");
        if (driverOptions.isEmpty() && fabricId.isTextual()) {
            driverOptions = "\"io.ovsfabric.network-id\":\"" + fabricId.asText() + "\"";
        }
        String gw;
        JsonNode meta = pool.path("Data").path("com.docker.network.gateway");
        if (gateway == null && meta.isTextual()) {
            gw = meta.asText();
        } else {
            gw = ok("/IpamDriver.RequestAddress", "{\"PoolID\":\"" + poolId + "\",\"Address\":\""
                    + (gateway == null ? "" : gateway)
                    + "\",\"Options\":{\"RequestAddressType\":\"com.docker.network.gateway\"}}").get("Address").asText();
        }
        String id = id(seed);
        ok("/NetworkDriver.CreateNetwork", "{\"NetworkID\":\"" + id + "\",\"Options\":{\"com.docker.network.enable_ipv6\":false,"
                + "\"com.docker.network.generic\":{" + driverOptions + "}},\"IPv4Data\":[{\"AddressSpace\":\"ovsfabric\","
                + "\"Pool\":\"" + subnet + "\",\"Gateway\":\"" + gw + "\"}],\"IPv6Data\":[]}");
        return new Net(id, poolId, subnet, gw);
    }

    JsonNode requestAddress(Net net, String mac) {
        return call("/IpamDriver.RequestAddress", "{\"PoolID\":\"" + net.poolId() + "\",\"Address\":\"\",\"Options\":{"
                + "\"com.docker.network.endpoint.macaddress\":\"" + mac + "\"}}");
    }

    JsonNode createEndpoint(Net net, String endpointId, String address, String mac) {
        return call("/NetworkDriver.CreateEndpoint", "{\"NetworkID\":\"" + net.id() + "\",\"EndpointID\":\"" + endpointId
                + "\",\"Interface\":{\"Address\":\"" + address + "\",\"AddressIPv6\":\"\",\"MacAddress\":\"" + mac
                + "\"},\"Options\":{\"com.docker.network.endpoint.exposedports\":[],\"com.docker.network.portmap\":[]}}");
    }

    JsonNode join(Net net, String endpointId, String sandbox) {
        return call("/NetworkDriver.Join", "{\"NetworkID\":\"" + net.id() + "\",\"EndpointID\":\"" + endpointId
                + "\",\"SandboxKey\":\"/var/run/docker/netns/" + sandbox + "\",\"Options\":{}}");
    }

    String pair(Net net, String endpointId) {
        return "{\"NetworkID\":\"" + net.id() + "\",\"EndpointID\":\"" + endpointId + "\"}";
    }

    JsonNode releaseAddress(Net net, String address) {
        return call("/IpamDriver.ReleaseAddress", "{\"PoolID\":\"" + net.poolId() + "\",\"Address\":\""
                + address.substring(0, address.indexOf('/')) + "\"}");
    }

    /** docker run --network NET: address, endpoint, join. */
    Ep run(Net net, String seed, String mac) {
        String address = requestAddress(net, mac).get("Address").asText();
        String endpointId = id(seed);
        ok("/NetworkDriver.CreateEndpoint", createEndpointBody(net, endpointId, address, mac));
        JsonNode joined = ok("/NetworkDriver.Join", "{\"NetworkID\":\"" + net.id() + "\",\"EndpointID\":\"" + endpointId
                + "\",\"SandboxKey\":\"/var/run/docker/netns/" + seed + "\",\"Options\":{}}");
        assertEquals("eth", joined.get("InterfaceName").get("DstPrefix").asText());
        ok("/NetworkDriver.ProgramExternalConnectivity", "{\"NetworkID\":\"" + net.id() + "\",\"EndpointID\":\""
                + endpointId + "\",\"Options\":{}}");
        return new Ep(net, endpointId, address, mac);
    }

    /** docker rm -f: revoke, leave, delete endpoint, release address. */
    void remove(Ep ep) {
        ok("/NetworkDriver.RevokeExternalConnectivity", pair(ep.net(), ep.id()));
        ok("/NetworkDriver.Leave", pair(ep.net(), ep.id()));
        ok("/NetworkDriver.DeleteEndpoint", pair(ep.net(), ep.id()));
        ok("/IpamDriver.ReleaseAddress", "{\"PoolID\":\"" + ep.net().poolId() + "\",\"Address\":\""
                + ep.address().substring(0, ep.address().indexOf('/')) + "\"}");
    }

    /** docker network rm, in Docker 20.10's order: IPAM release (gateway, pool) first, then the driver. */
    void removeNetwork(Net net) {
        ok("/IpamDriver.ReleaseAddress", "{\"PoolID\":\"" + net.poolId() + "\",\"Address\":\""
                + net.gateway().substring(0, net.gateway().indexOf('/')) + "\"}");
        ok("/IpamDriver.ReleasePool", "{\"PoolID\":\"" + net.poolId() + "\"}");
        ok("/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"" + net.id() + "\"}");
    }

    /** docker network rm in the order of older libnetwork: the driver first, then the IPAM. */
    void removeNetworkDriverFirst(Net net) {
        ok("/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"" + net.id() + "\"}");
        ok("/IpamDriver.ReleaseAddress", "{\"PoolID\":\"" + net.poolId() + "\",\"Address\":\""
                + net.gateway().substring(0, net.gateway().indexOf('/')) + "\"}");
        ok("/IpamDriver.ReleasePool", "{\"PoolID\":\"" + net.poolId() + "\"}");
    }

    static String createEndpointBody(Net net, String endpointId, String address, String mac) {
        return "{\"NetworkID\":\"" + net.id() + "\",\"EndpointID\":\"" + endpointId + "\",\"Interface\":{\"Address\":\""
                + address + "\",\"AddressIPv6\":\"\",\"MacAddress\":\"" + mac + "\"},\"Options\":{}}";
    }
}
