package io.ovsfabric.controller.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ovsfabric.controller.model.EndpointRecord;
import io.ovsfabric.controller.model.FabricPlan;
import io.ovsfabric.controller.model.HostRecord;
import java.io.UncheckedIOException;

/**
 * The page's wire formats (pure): a {@link PageView} as the JSON of {@code /api/topology}, and Server-Sent Events
 * messages for {@code /events}. Field names are snake_case; times are unix milliseconds; absent values are null.
 */
final class PageJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private PageJson() {
    }

    static String encode(PageView view) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("revision", view.revision());
        root.put("controller", view.controllerId());
        if (view.stale() == null) {
            root.putNull("stale");
        } else {
            root.put("stale", view.stale());
        }
        FabricPlan plan = view.plan();
        if (plan == null) {
            root.putNull("fabric");
        } else {
            ObjectNode f = root.putObject("fabric");
            f.put("cidr", plan.fabricCidr().toString());
            f.put("host_prefix", plan.hostPrefix());
            f.put("tunnel_key", plan.tunnelKey());
            f.put("overlay_mtu", plan.overlayMtu());
            f.put("lease_ttl_ms", plan.leaseTtlMs());
            f.put("reclaim_grace_ms", plan.reclaimGraceMs());
        }
        ArrayNode hosts = root.putArray("hosts");
        for (PageView.HostRow row : view.hosts()) {
            HostRecord r = row.view().record();
            ObjectNode h = hosts.addObject();
            h.put("id", r.hostId().value());
            h.put("state", row.state());
            h.put("underlay_ip", r.underlayIp() == null ? null : r.underlayIp().toString());
            h.put("subnet", r.subnet().toString());
            h.put("gateway", row.view().gateway().toString());
            h.put("registered_at_ms", r.registeredAtMs());
            h.put("down_since_ms", r.downSinceMs());
            h.put("reclaimable_at_ms", row.view().reclaimableAtMs());
            h.put("endpoints", row.endpoints());
            ObjectNode caps = h.putObject("capabilities");
            r.capabilities().forEach(caps::put);
        }
        ArrayNode tunnels = root.putArray("tunnels");
        for (PageView.TunnelRow t : view.tunnels()) {
            ObjectNode o = tunnels.addObject();
            o.put("a", t.a());
            o.put("b", t.b());
            health(o, t.health());
            health(o.putObject("a_to_b"), t.aToB());
            health(o.putObject("b_to_a"), t.bToA());
        }
        root.put("tunnels_omitted", view.tunnelsOmitted());
        ArrayNode networks = root.putArray("networks");
        for (PageView.NetworkRow row : view.networks()) {
            ObjectNode n = networks.addObject();
            n.put("id", row.network().id());
            n.put("name", row.network().name());
            n.put("subnet", row.network().subnet().toString());
            n.put("gateway", row.network().gateway().toString());
            n.put("tunnel_key", row.network().tunnelKey());
            ArrayNode eps = n.putArray("endpoints");
            for (EndpointRecord e : row.endpoints()) {
                ObjectNode o = eps.addObject();
                o.put("id", e.endpointId());
                o.put("address", e.address().toString());
                o.put("host", e.hostId().value());
                o.put("mac", e.mac());
                o.put("container", e.containerName());
            }
        }
        ArrayNode events = root.putArray("events");
        for (PageEvent e : view.events()) {
            ObjectNode o = events.addObject();
            o.put("at_ms", e.atMs());
            o.put("kind", e.kind());
            o.put("text", e.text());
        }
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void health(ObjectNode o, TunnelHealth h) {
        o.put("state", h.state().name().toLowerCase(java.util.Locale.ROOT));
        if (h.hasRtt()) {
            o.put("rtt_ms", h.rttMs());
        } else {
            o.putNull("rtt_ms");
        }
        o.put("because", h.because());
    }

    /**
     * One SSE message: {@code event:} and {@code id:} lines, the data split into one {@code data:} line per line
     * (a browser joins them back with newlines), and the blank line that ends the message.
     */
    static String sse(String event, long id, String data) {
        if (event.contains("\n") || event.contains("\r")) {
            throw new IllegalArgumentException("an SSE event name is one line: " + event);
        }
        StringBuilder out = new StringBuilder();
        out.append("event: ").append(event).append('\n');
        out.append("id: ").append(id).append('\n');
        for (String line : data.split("\r\n|\r|\n", -1)) {
            out.append("data: ").append(line).append('\n');
        }
        return out.append('\n').toString();
    }

    /** An SSE comment: ignored by browsers, it keeps the connection busy so a dead one is noticed. */
    static String sseComment(String text) {
        return ": " + text.replace('\n', ' ') + "\n\n";
    }
}
