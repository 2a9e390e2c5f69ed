package io.ovsfabric.agent.dns;

import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.TunnelKey;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NameTableTest {
    static final OverlayNetwork APPNET = net("fn1", "appnet", "10.201.0.0/16");
    static final OverlayNetwork OTHERNET = net("fn2", "othernet", "10.202.0.0/16");
    static final OverlayNetwork DOTTED = net("fn3", "team.prod", "10.203.0.0/16");

    static OverlayNetwork net(String id, String name, String subnet) {
        Cidr c = Cidr.parse(subnet);
        return new OverlayNetwork(id, name, c, c.firstUsable(), TunnelKey.of(1), Map.of());
    }

    static NetworkEndpoint ep(OverlayNetwork n, String host, String ip, String container, String name, String... aliases) {
        return new NetworkEndpoint(n.id(), host + ":" + n.id() + ":" + ip.replace(".", ""), HostId.of(host),
                Ipv4Address.parse(ip), "", container, name, List.of(aliases));
    }

    /** web on h1 in appnet; db on h2 in appnet and othernet; cache on h3 in othernet only; api with a dotted net. */
    static EndpointDirectory.Snapshot fabric() {
        return new EndpointDirectory.Snapshot(List.of(APPNET, OTHERNET, DOTTED), List.of(
                ep(APPNET, "h1", "10.201.0.2", "c-web", "web", "frontend"),
                ep(APPNET, "h2", "10.201.0.3", "c-db", "db", "database"),
                ep(OTHERNET, "h2", "10.202.0.3", "c-db", "db"),
                ep(OTHERNET, "h3", "10.202.0.4", "c-cache", "cache"),
                ep(DOTTED, "h3", "10.203.0.9", "c-api", "api.v1"),
                ep(APPNET, "h3", "10.201.0.9", "", "")));   // an address not yet bound to a container
    }

    private final NameTable table = new NameTable(fabric());

    private Optional<List<Ipv4Address>> resolve(String name, String querier) {
        return table.resolve(name, querier == null ? Optional.empty() : Optional.of(Ipv4Address.parse(querier)));
    }

    private static Optional<List<Ipv4Address>> addresses(String... ips) {
        return Optional.of(List.of(ips).stream().map(Ipv4Address::parse).toList());
    }

    @Test
    void namesAndAliasesResolveAcrossHosts() {
        assertEquals(addresses("10.201.0.2"), resolve("web", "10.201.0.3"));
        assertEquals(addresses("10.201.0.2"), resolve("FrontEnd.", "10.201.0.3"));
        assertEquals(addresses("10.201.0.2"), resolve("web.appnet", "10.201.0.3"));
        assertEquals(addresses("10.203.0.9"), resolve("api.v1.team.prod", null));
    }

    @Test
    void answersStayWithinTheAskersNetworks() {
        assertEquals(Optional.empty(), resolve("cache", "10.201.0.2"), "web is not in othernet");
        assertEquals(Optional.empty(), resolve("cache.othernet", "10.201.0.2"));
        assertEquals(addresses("10.202.0.4"), resolve("cache", "10.201.0.3"), "db is in both networks");
        assertEquals(addresses("10.201.0.3", "10.202.0.3"), resolve("db", "10.202.0.3"));
        assertEquals(Optional.empty(), resolve("db.appnet", "10.202.0.4"), "cache is not in appnet");
        assertEquals(addresses("10.202.0.3"), resolve("db.othernet", "10.202.0.4"));
    }

    @Test
    void aHostOrUnknownAskerSeesEveryNetwork() {
        assertEquals(addresses("10.202.0.4"), resolve("cache", null));
        assertEquals(addresses("10.202.0.4"), resolve("cache", "192.0.2.11"));
        assertEquals(addresses("10.201.0.3", "10.202.0.3"), resolve("db", null));
        assertEquals(addresses("10.201.0.3"), resolve("db.appnet", null));
    }

    @Test
    void otherNamesAreNotOurs() {
        assertEquals(Optional.empty(), resolve("example.com", null));
        assertEquals(Optional.empty(), resolve("web.example.com", null));
        assertEquals(Optional.empty(), resolve("web.othernet", null));
        assertEquals(Optional.empty(), resolve("", null));
        assertEquals(Optional.empty(), resolve("appnet", null));
    }
}
