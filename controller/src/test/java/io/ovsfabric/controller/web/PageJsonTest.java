package io.ovsfabric.controller.web;

import static io.ovsfabric.controller.web.PageFixture.PLAN;
import static io.ovsfabric.controller.web.PageFixture.down;
import static io.ovsfabric.controller.web.PageFixture.endpoint;
import static io.ovsfabric.controller.web.PageFixture.network;
import static io.ovsfabric.controller.web.PageFixture.up;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class PageJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theViewAsJson() throws Exception {
        PageView view = new PageView(12, "c1", null, PLAN,
                List.of(new PageView.HostRow(up("h1", 1), "UP", 1), new PageView.HostRow(down("h3", 3), "DOWN", 0)),
                List.of(new PageView.TunnelRow("h1", "h3", TunnelHealth.broken("h3 is DOWN"),
                        new TunnelHealth(TunnelHealth.State.HEALTHY, 0.25, "probe"), TunnelHealth.broken("h3 is DOWN"))),
                0, List.of(new PageView.NetworkRow(network("web"), List.of(endpoint("web", "e1", "h1", "10.210.0.2", "web-1")))),
                List.of(new PageEvent(7000, "host-down", "h3 is DOWN (was UP): its lease expired")));
        JsonNode root = JSON.readTree(PageJson.encode(view));

        assertEquals(12, root.get("revision").asLong());
        assertEquals("c1", root.get("controller").asText());
        assertTrue(root.get("stale").isNull());
        assertEquals("10.200.0.0/16", root.at("/fabric/cidr").asText());
        assertEquals(24, root.at("/fabric/host_prefix").asInt());
        assertEquals(1458, root.at("/fabric/overlay_mtu").asInt());
        JsonNode h3 = root.get("hosts").get(1);
        assertEquals("h3", h3.get("id").asText());
        assertEquals("DOWN", h3.get("state").asText());
        assertEquals("192.0.2.13", h3.get("underlay_ip").asText());
        assertEquals("10.200.3.0/24", h3.get("subnet").asText());
        assertEquals("10.200.3.1", h3.get("gateway").asText());
        assertEquals(5000, h3.get("down_since_ms").asLong());
        assertEquals(5000 + 600_000, h3.get("reclaimable_at_ms").asLong());
        assertEquals("netdev", h3.at("/capabilities/datapath").asText());
        JsonNode tunnel = root.get("tunnels").get(0);
        assertEquals("broken", tunnel.get("state").asText());
        assertTrue(tunnel.get("rtt_ms").isNull());
        assertEquals("h3 is DOWN", tunnel.get("because").asText());
        assertEquals("healthy", tunnel.at("/a_to_b/state").asText());
        assertEquals(0.25, tunnel.at("/a_to_b/rtt_ms").asDouble());
        assertEquals(0, root.get("tunnels_omitted").asInt());
        JsonNode web = root.get("networks").get(0);
        assertEquals("web", web.get("name").asText());
        assertEquals(100, web.get("tunnel_key").asLong());
        assertEquals("10.210.0.2", web.at("/endpoints/0/address").asText());
        assertEquals("web-1", web.at("/endpoints/0/container").asText());
        assertEquals("h1", web.at("/endpoints/0/host").asText());
        assertEquals("host-down", root.at("/events/0/kind").asText());
        assertEquals(7000, root.at("/events/0/at_ms").asLong());
    }

    @Test
    void beforeTheFirstLoadThePageSaysWhyItIsNotLive() throws Exception {
        JsonNode root = JSON.readTree(PageJson.encode(new PageModel().view(TunnelHealthSource.fromHostStates(), "c2",
                "the controller is still loading the topology from etcd")));
        assertEquals(0, root.get("revision").asLong());
        assertTrue(root.get("fabric").isNull());
        assertEquals("the controller is still loading the topology from etcd", root.get("stale").asText());
        assertEquals(0, root.get("hosts").size());
    }

    @Test
    void anSseMessageHasOneDataLinePerLineAndEndsWithABlankLine() {
        assertEquals("event: topology\nid: 3\ndata: {\"a\":1}\n\n", PageJson.sse("topology", 3, "{\"a\":1}"));
        assertEquals("event: x\nid: 4\ndata: one\ndata: two\ndata: \ndata: three\n\n",
                PageJson.sse("x", 4, "one\ntwo\r\n\rthree"));
        assertEquals("event: x\nid: 5\ndata: \n\n", PageJson.sse("x", 5, ""));
        assertEquals(": nothing new\n\n", PageJson.sseComment("nothing new"));
        assertThrows(IllegalArgumentException.class, () -> PageJson.sse("a\nb", 1, "x"));
    }

    @Test
    void theJsonOfAViewIsOneLineSoAnSseMessageCarriesItInOneDataLine() {
        String json = PageJson.encode(new PageView(1, "c1", "etcd\nlost", PLAN, List.of(), List.of(), 0, List.of(),
                List.of(new PageEvent(1, "info", "two\nlines"))));
        assertTrue(!json.contains("\n"), json);
        assertEquals(4, PageJson.sse("topology", 1, json).lines().count(), "event, id, data, blank");
    }
}
