package io.ovsfabric.controller.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.FabricException.Code;
import io.ovsfabric.controller.model.HostState;
import io.ovsfabric.controller.model.HostRecord;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HostRegistryTest {
    private final RegistryFixture f = new RegistryFixture("10.200.0.0/22", 24); // 3 assignable subnets

    @Test
    void sameHostSameUnderlayGetsTheSameSubnetBackWithANewLease() {
        HostRegistry.Registration first = f.registry.register("h1", "192.0.2.11", Map.of("datapath", "netdev"), 1500);
        assertEquals(Cidr.parse("10.200.1.0/24"), first.host().record().subnet());
        assertEquals("10.200.1.1", first.host().gateway().toString());
        assertEquals(HostState.UP, first.host().state());
        HostRegistry.Registration again = f.registry.register("h1", "192.0.2.11", Map.of(), 0);
        assertEquals(first.host().record().subnet(), again.host().record().subnet());
        assertNotEquals(first.leaseId(), again.leaseId());
        assertFalse(f.store.leaseExists(first.leaseId()), "the previous boot's lease is revoked");
        assertEquals(1, f.registry.list().size());
    }

    @Test
    void sameHostIdFromAnotherUnderlayWhileLiveIsRefusedNamingTheHolder() {
        f.registry.register("h1", "192.0.2.11", Map.of(), 0);
        long before = f.store.revision();
        FabricException e = assertThrows(FabricException.class, () -> f.registry.register("h1", "192.0.2.99", Map.of(), 0));
        assertEquals(Code.CONFLICT, e.code());
        assertTrue(e.getMessage().contains("held by a live host at underlay IP 192.0.2.11"), e.getMessage());
        assertEquals(before, f.store.revision(), "nothing written on refusal");
    }

    @Test
    void aDownHostMayComeBackFromANewUnderlayAndKeepsItsSubnet() {
        HostRegistry.Registration first = f.registry.register("h1", "192.0.2.11", Map.of(), 0);
        f.store.expireLease(first.leaseId());
        HostRegistry.Registration back = f.registry.register("h1", "192.0.2.12", Map.of(), 0);
        assertEquals(first.host().record().subnet(), back.host().record().subnet());
        assertEquals("192.0.2.12", back.host().record().underlayIp().toString());
    }

    @Test
    void anotherLiveHostsUnderlayIsRefused() {
        f.registry.register("h1", "192.0.2.11", Map.of(), 0);
        FabricException e = assertThrows(FabricException.class, () -> f.registry.register("h2", "192.0.2.11", Map.of(), 0));
        assertEquals(Code.CONFLICT, e.code());
        assertTrue(e.getMessage().contains("in use by live host h1"), e.getMessage());
    }

    @Test
    void exhaustionSaysHowManyExistAndAreHeldAndWritesNothing() {
        f.registry.register("h1", "192.0.2.11", Map.of(), 0);
        f.registry.register("h2", "192.0.2.12", Map.of(), 0);
        f.registry.reserve("h3", "192.0.2.13");
        long before = f.store.revision();
        FabricException e = assertThrows(FabricException.class, () -> f.registry.register("h4", "192.0.2.14", Map.of(), 0));
        assertEquals(Code.EXHAUSTED, e.code());
        assertTrue(e.getMessage().contains("holds 4 subnets of /24, 3 assignable"), e.getMessage());
        assertTrue(e.getMessage().contains("all 3 are held (2 up, 0 down within their grace period, 1 reserved)"), e.getMessage());
        assertEquals(before, f.store.revision());
    }

    @Test
    void badInputIsRefusedBeforeAnythingIsWritten() {
        long before = f.store.revision();
        assertThrows(InvalidInputException.class, () -> f.registry.register("H1", "192.0.2.11", Map.of(), 0));
        assertThrows(InvalidInputException.class, () -> f.registry.register("h1", "10.200.1.9", Map.of(), 0));
        assertThrows(InvalidInputException.class, () -> f.registry.register("h1", "300.1.1.1", Map.of(), 0));
        FabricException mtu = assertThrows(FabricException.class, () -> f.registry.register("h1", "192.0.2.11", Map.of(), 1400));
        assertEquals(Code.REFUSED, mtu.code());
        assertEquals(before, f.store.revision());
    }

    @Test
    void aRacingControllerClaimingTheSameSubnetNeverLeadsToADoubleAllocation() {
        // Another controller claims 10.200.1.0/24 for h9 between our read and our transaction.
        f.store.beforeNextCommit(s -> assertTrue(f.other.hosts().claim(new HostRecord(HostId.of("h9"), Ipv4Address.parse("192.0.2.99"),
                Cidr.parse("10.200.1.0/24"), Map.of(), 0, false, 0, 0))));
        HostRegistry.Registration mine = f.registry.register("h1", "192.0.2.11", Map.of(), 0);
        assertNotEquals(Cidr.parse("10.200.1.0/24"), mine.host().record().subnet());
        assertTrue(f.store.commits() >= 3, "lost the race once, then retried");
    }

    @Test
    void lostTransactionsAreRetriedAndUnusedLeasesRevoked() {
        f.store.failNextCommits(3);
        HostRegistry.Registration r = f.registry.register("h1", "192.0.2.11", Map.of(), 0);
        assertTrue(f.store.leaseExists(r.leaseId()));
        f.store.failNextCommits(1000);
        FabricException e = assertThrows(FabricException.class, () -> f.registry.register("h2", "192.0.2.12", Map.of(), 0));
        assertEquals(Code.CONTENDED, e.code());
    }

    @Test
    void keepAliveRefreshesAndSaysNotFoundOnceTheLeaseIsGone() {
        HostRegistry.Registration r = f.registry.register("h1", "192.0.2.11", Map.of(), 0);
        assertEquals(10, f.registry.keepAlive("h1", r.leaseId()));
        f.store.expireLease(r.leaseId());
        FabricException e = assertThrows(FabricException.class, () -> f.registry.keepAlive("h1", r.leaseId()));
        assertEquals(Code.NOT_FOUND, e.code());
        assertTrue(e.getMessage().contains("register again"), e.getMessage());
    }

    @Test
    void reservationIsTakenOverByTheFirstRegistration() {
        assertEquals(HostState.RESERVED, f.registry.reserve("h1", "192.0.2.11").state());
        assertEquals(HostState.RESERVED, f.registry.reserve("h1", "192.0.2.11").state(), "reserving again is idempotent");
        FabricException e = assertThrows(FabricException.class, () -> f.registry.reserve("h1", "192.0.2.99"));
        assertEquals(Code.CONFLICT, e.code());
        HostRegistry.Registration r = f.registry.register("h1", "192.0.2.11", Map.of(), 0);
        assertEquals(Cidr.parse("10.200.1.0/24"), r.host().record().subnet());
        assertEquals(HostState.UP, r.host().state());
    }

    @Test
    void releaseIsRefusedWhileLiveUnlessForced() {
        HostRegistry.Registration r = f.registry.register("h1", "192.0.2.11", Map.of(), 0);
        FabricException e = assertThrows(FabricException.class, () -> f.registry.release("h1", false));
        assertEquals(Code.REFUSED, e.code());
        assertTrue(e.getMessage().contains("or pass --force"), e.getMessage());
        assertEquals(HostState.UP, f.registry.release("h1", true).state());
        assertFalse(f.store.leaseExists(r.leaseId()));
        assertTrue(f.registry.list().isEmpty());
        assertTrue(f.store.dump().keySet().stream().noneMatch(k -> k.contains("/subnets/")));
        assertEquals(Code.NOT_FOUND, assertThrows(FabricException.class, () -> f.registry.release("h1", false)).code());
    }

    @Test
    void leaseExpiryMakesTheHostDownAndTheSubnetStaysReservedUntilTheGracePeriodEnds() {
        HostRegistry.Registration r = f.registry.register("h1", "192.0.2.11", Map.of(), 0);
        f.registry.register("h2", "192.0.2.12", Map.of(), 0);
        f.registry.register("h3", "192.0.2.13", Map.of(), 0);
        f.store.expireLease(r.leaseId());
        assertEquals(1, f.sweeper.sweepOnce());
        assertEquals(HostState.DOWN, f.registry.get("h1").orElseThrow().state());
        long downSince = f.registry.get("h1").orElseThrow().record().downSinceMs();
        assertEquals(f.clock.millis(), downSince);
        assertEquals(downSince + RegistryFixture.GRACE.toMillis(), f.registry.get("h1").orElseThrow().reclaimableAtMs());

        f.clock.advance(RegistryFixture.GRACE.minusSeconds(1));
        assertEquals(0, f.sweeper.sweepOnce());
        assertEquals(Code.EXHAUSTED,
                assertThrows(FabricException.class, () -> f.registry.register("h4", "192.0.2.14", Map.of(), 0)).code());

        f.clock.advance(Duration.ofSeconds(1));
        assertEquals(1, f.sweeper.sweepOnce());
        assertTrue(f.registry.get("h1").isEmpty());
        assertEquals(Cidr.parse("10.200.1.0/24"), f.registry.register("h4", "192.0.2.14", Map.of(), 0).host().record().subnet());
    }

    @Test
    void aHostBackWithinTheGracePeriodIsNotReclaimed() {
        HostRegistry.Registration r = f.registry.register("h1", "192.0.2.11", Map.of(), 0);
        f.registry.deregister("h1", r.leaseId());
        assertEquals(HostState.DOWN, f.registry.get("h1").orElseThrow().state());
        f.clock.advance(Duration.ofMinutes(5));
        assertEquals(Cidr.parse("10.200.1.0/24"), f.registry.register("h1", "192.0.2.11", Map.of(), 0).host().record().subnet());
        f.clock.advance(Duration.ofHours(1));
        assertEquals(0, f.sweeper.sweepOnce());
        assertEquals(HostState.UP, f.registry.get("h1").orElseThrow().state());
    }

    @Test
    void aGracefulLeaveIsMarkedSoPeersDropTheTunnelButALeaseExpiryIsNot() {
        HostRegistry.Registration h1 = f.registry.register("h1", "192.0.2.11", Map.of(), 0);
        HostRegistry.Registration h2 = f.registry.register("h2", "192.0.2.12", Map.of(), 0);
        f.store.expireLease(h1.leaseId());
        f.sweeper.sweepOnce();
        assertEquals(HostState.DOWN, f.registry.get("h1").orElseThrow().state());
        assertFalse(f.registry.get("h1").orElseThrow().record().left(), "only cut off: peers keep its tunnel");

        f.registry.deregister("h2", h2.leaseId());
        assertEquals(HostState.DOWN, f.registry.get("h2").orElseThrow().state());
        assertTrue(f.registry.get("h2").orElseThrow().record().left());
        f.registry.deregister("h2", h2.leaseId());   // idempotent
        assertFalse(f.registry.register("h2", "192.0.2.12", Map.of(), 0).host().record().left(), "back: not left");
    }

    @Test
    void aReclaimedHostGetsTheSubnetItStillForwardsBackWhileItIsFree() {
        HostRegistry.Registration r = f.registry.register("h1", "192.0.2.11", Map.of(), 0);
        f.registry.register("h2", "192.0.2.12", Map.of(), 0);
        Cidr held = r.host().record().subnet();
        f.store.expireLease(r.leaseId());
        f.sweeper.sweepOnce();
        f.clock.advance(RegistryFixture.GRACE);
        f.sweeper.sweepOnce();
        assertTrue(f.registry.get("h1").isEmpty(), "reclaimed");
        assertEquals(held, f.registry.register("h1", "192.0.2.11", Map.of(), 0, held.toString()).host().record()
                .subnet());
    }

    @Test
    void aReclaimedHostWhoseSubnetWentToAnotherIsRefusedAndNothingIsWritten() {
        HostRegistry.Registration r = f.registry.register("h1", "192.0.2.11", Map.of(), 0);
        Cidr held = r.host().record().subnet();
        f.store.expireLease(r.leaseId());
        f.sweeper.sweepOnce();
        f.clock.advance(RegistryFixture.GRACE);
        f.sweeper.sweepOnce();
        assertEquals(held, f.registry.register("h5", "192.0.2.15", Map.of(), 0).host().record().subnet());
        long before = f.store.revision();
        FabricException e = assertThrows(FabricException.class,
                () -> f.registry.register("h1", "192.0.2.11", Map.of(), 0, held.toString()));
        assertEquals(Code.REFUSED, e.code());
        assertTrue(e.getMessage().contains("host h1 still forwards subnet " + held + ", but it was reclaimed"),
                e.getMessage());
        assertTrue(e.getMessage().contains("now belongs to host h5 at 192.0.2.15"), e.getMessage());
        assertEquals(before, f.store.revision(), "nothing written on refusal");
        assertTrue(f.registry.get("h1").isEmpty());
    }

    @Test
    void aHeldSubnetThatIsNotAHostSubnetOfTheFabricIsIgnored() {
        assertEquals(Cidr.parse("10.200.1.0/24"),
                f.registry.register("h1", "192.0.2.11", Map.of(), 0, "10.9.0.0/24").host().record().subnet());
        assertEquals(Cidr.parse("10.200.2.0/24"),
                f.registry.register("h2", "192.0.2.12", Map.of(), 0, "10.200.0.0/24").host().record().subnet());
    }
}
