package io.ovsfabric.controller.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.FabricException.Code;
import io.ovsfabric.controller.model.EndpointRecord;
import io.ovsfabric.controller.model.NetworkRecord;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NetworkAndEndpointTest {
    private final RegistryFixture f = new RegistryFixture("10.200.0.0/16", 24);
    private final NetworkRegistry networks = new NetworkRegistry(f.fabric.networks(), f.fabric.endpoints(), f.plan, f.clock);
    private final EndpointRegistry endpoints = new EndpointRegistry(f.fabric.endpoints(), networks, f.fabric.hosts(), f.clock, new Random(5));

    @BeforeEach
    void hosts() {
        f.registry.register("h1", "192.0.2.11", Map.of(), 0);
        f.registry.register("h2", "192.0.2.12", Map.of(), 0);
    }

    @Test
    void createsNetworksWithUniqueNamesKeysAndNoOverlaps() {
        NetworkRecord app = networks.create("appnet", "10.201.0.0/16", "", Map.of("team", "a"));
        assertEquals("10.201.0.1", app.gateway().toString());
        assertEquals(NetworkRegistry.FIRST_NETWORK_TUNNEL_KEY, app.tunnelKey());
        assertEquals(app, networks.create("appnet", "10.201.0.0/16", "", Map.of()), "same name and subnet: the same network");
        NetworkRecord other = networks.create("othernet", "10.202.0.0/24", "10.202.0.254", Map.of());
        assertNotEquals(app.tunnelKey(), other.tunnelKey());
        assertEquals(app, networks.require(app.id()).value());
        assertEquals(app, networks.require("appnet").value());

        assertEquals(Code.CONFLICT, assertThrows(FabricException.class, () -> networks.create("appnet", "10.203.0.0/16", "", Map.of())).code());
        FabricException overlap = assertThrows(FabricException.class, () -> networks.create("third", "10.201.128.0/17", "", Map.of()));
        assertTrue(overlap.getMessage().contains("overlaps network appnet (10.201.0.0/16)"), overlap.getMessage());
        InvalidInputException fabric = assertThrows(InvalidInputException.class, () -> networks.create("x", "10.200.5.0/24", "", Map.of()));
        assertTrue(fabric.getMessage().contains("overlaps the fabric CIDR 10.200.0.0/16"), fabric.getMessage());
        assertThrows(InvalidInputException.class, () -> networks.create("bad/name", "10.204.0.0/24", "", Map.of()));
        assertThrows(InvalidInputException.class, () -> networks.create("x", "10.204.0.0/24", "10.205.0.1", Map.of()));
        assertEquals(List.of("appnet", "othernet"), networks.list().stream().map(NetworkRecord::name).toList());
    }

    @Test
    void allocatesDistinctAddressesIdempotentlyByHandleAndHonoursPreferredOnes() {
        networks.create("small", "10.201.0.0/29", "", Map.of()); // .1 gateway, .2-.6 usable
        EndpointRecord a = endpoints.allocate("small", "h1", "ep-a", "").endpoint();
        assertEquals("10.201.0.2", a.address().toString());
        assertEquals(a, endpoints.allocate("small", "h1", "ep-a", "").endpoint(), "same handle, same address");
        EndpointRecord b = endpoints.allocate("small", "h2", "ep-b", "10.201.0.6").endpoint();
        assertEquals("10.201.0.6", b.address().toString());
        FabricException taken = assertThrows(FabricException.class, () -> endpoints.allocate("small", "h1", "ep-c", "10.201.0.6"));
        assertTrue(taken.getMessage().contains("held by endpoint ep-b on host h2"), taken.getMessage());
        assertThrows(InvalidInputException.class, () -> endpoints.allocate("small", "h1", "ep-c", "10.201.0.1"));
        assertThrows(InvalidInputException.class, () -> endpoints.allocate("small", "h1", "ep-c", "10.201.0.7"));
        assertEquals(Code.CONFLICT, assertThrows(FabricException.class, () -> endpoints.allocate("small", "h2", "ep-a", "")).code());
        assertEquals(Code.REFUSED, assertThrows(FabricException.class, () -> endpoints.allocate("small", "h9", "ep-z", "")).code());
        endpoints.allocate("small", "h1", "ep-c", "");
        endpoints.allocate("small", "h1", "ep-d", "");
        endpoints.allocate("small", "h1", "ep-e", "");
        FabricException full = assertThrows(FabricException.class, () -> endpoints.allocate("small", "h1", "ep-f", ""));
        assertEquals(Code.EXHAUSTED, full.code());
        assertTrue(full.getMessage().contains("has 5 endpoint addresses and all 5 are held"), full.getMessage());

        assertEquals("ep-a", endpoints.release("small", "10.201.0.2", "").orElseThrow().endpointId());
        assertTrue(endpoints.release("small", "10.201.0.2", "").isEmpty(), "releasing what is absent succeeds");
        assertEquals("ep-b", endpoints.release("small", "", "ep-b").orElseThrow().endpointId());
        assertEquals(3, endpoints.list("small", "").size());
    }

    @Test
    void racingAllocatorsNeverGetTheSameAddress() {
        networks.create("net", "10.201.0.0/24", "", Map.of());
        String netId = networks.require("net").value().id();
        // another controller takes 10.201.0.2 between our read and our transaction
        f.store.beforeNextCommit(s -> assertTrue(f.other.endpoints().allocate(new EndpointRecord(netId, "other",
                io.ovsfabric.common.HostId.of("h2"), io.ovsfabric.common.Ipv4Address.parse("10.201.0.2"), "", "", "", List.of(), 0),
                f.other.networks().open(f.other.networks().byId(netId).orElseThrow()))));
        EndpointRecord mine = endpoints.allocate("net", "h1", "mine", "").endpoint();
        assertNotEquals("10.201.0.2", mine.address().toString());
        Set<String> seen = new HashSet<>();
        for (EndpointRecord e : endpoints.list("net", "")) {
            assertTrue(seen.add(e.address().toString()));
        }
    }

    @Test
    void updateFillsContainerDetails() {
        networks.create("net", "10.201.0.0/24", "", Map.of());
        endpoints.allocate("net", "h1", "ep1", "");
        EndpointRecord e = endpoints.update("net", "ep1", "02:42:0A:C9:00:02", "c0ffee", "web", List.of("www"));
        assertEquals("02:42:0a:c9:00:02", e.mac());
        assertEquals("web", endpoints.list("", "h1").get(0).containerName());
        assertThrows(InvalidInputException.class, () -> endpoints.update("net", "ep1", "nope", "", "", List.of()));
        assertEquals(Code.NOT_FOUND, assertThrows(FabricException.class, () -> endpoints.update("net", "ep9", "", "", "", List.of())).code());
    }

    @Test
    void deleteIsRefusedWithEndpointsUnlessForcedAndReleasesEverything() {
        NetworkRecord net = networks.create("net", "10.201.0.0/24", "", Map.of());
        endpoints.allocate("net", "h1", "ep1", "");
        endpoints.allocate("net", "h2", "ep2", "");
        FabricException refused = assertThrows(FabricException.class, () -> networks.delete("net", false));
        assertEquals(Code.REFUSED, refused.code());
        assertTrue(refused.getMessage().contains("still has 2 endpoints (on hosts h1, h2)"), refused.getMessage());
        endpoints.allocate("net", "h1", "ep3", ""); // the refused delete left the network usable
        assertEquals(3, networks.delete("net", true).releasedAddresses());
        assertTrue(f.store.dump().keySet().stream().noneMatch(k -> k.contains(net.id()) || k.contains("network-names/net")),
                f.store.dump().toString());
        assertEquals(net.tunnelKey(), networks.create("net2", "10.201.0.0/24", "", Map.of()).tunnelKey(), "its GRE key is free again");
    }

    @Test
    void reclaimingADownHostReleasesItsEndpoints() {
        HostRegistry registry = new HostRegistry(f.fabric.hosts(), f.plan, RegistryFixture.TTL, f.clock, "c1", new Random(1), endpoints);
        Sweeper sweeper = new Sweeper(f.fabric.hosts(), RegistryFixture.GRACE, f.clock, endpoints);
        HostRegistry.Registration h3 = registry.register("h3", "192.0.2.13", Map.of(), 0);
        networks.create("net", "10.201.0.0/24", "", Map.of());
        endpoints.allocate("net", "h3", "ep1", "");
        endpoints.allocate("net", "h1", "ep2", "");
        f.store.expireLease(h3.leaseId());
        sweeper.sweepOnce();
        assertEquals(2, endpoints.list("net", "").size(), "kept during the grace period");
        f.clock.advance(RegistryFixture.GRACE);
        sweeper.sweepOnce();
        assertEquals(List.of("ep2"), endpoints.list("net", "").stream().map(EndpointRecord::endpointId).toList());
        registry.release("h1", true);
        assertTrue(endpoints.list("net", "").isEmpty());
    }
}
