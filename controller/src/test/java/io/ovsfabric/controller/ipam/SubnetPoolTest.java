package io.ovsfabric.controller.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.controller.model.FabricPlan;
import io.ovsfabric.controller.model.HostState;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SubnetPoolTest {
    private static final FabricPlan PLAN = new PlanRequest("10.200.0.0/22", 24, null, null).toNewPlan("f", 0);
    private final SubnetPool pool = new SubnetPool(PLAN);

    @Test
    void neverHandsOutTheFirstSubnetAndStartsWithTheLowestFree() {
        assertEquals(4, PLAN.subnetCount());
        assertEquals(3, PLAN.assignableSubnets());
        assertEquals(Cidr.parse("10.200.1.0/24"), pool.choose(Set.of(), 0, new Random(1)).orElseThrow());
        assertEquals(Cidr.parse("10.200.3.0/24"), pool.choose(Set.of(Cidr.parse("10.200.1.0/24"), Cidr.parse("10.200.2.0/24")),
                0, new Random(1)).orElseThrow());
        assertFalse(pool.isAssignable(Cidr.parse("10.200.0.0/24")));
        assertTrue(pool.isAssignable(Cidr.parse("10.200.3.0/24")));
        assertFalse(pool.isAssignable(Cidr.parse("10.200.3.0/25")));
    }

    @Test
    void retriesSpreadOverFreeSubnetsButNeverPickAHeldOne() {
        Set<Cidr> held = Set.of(Cidr.parse("10.200.2.0/24"));
        Set<Cidr> seen = new HashSet<>();
        Random random = new Random(7);
        for (int attempt = 1; attempt < 200; attempt++) {
            Cidr chosen = pool.choose(held, attempt, random).orElseThrow();
            assertFalse(held.contains(chosen));
            assertTrue(pool.isAssignable(chosen));
            seen.add(chosen);
        }
        assertEquals(Set.of(Cidr.parse("10.200.1.0/24"), Cidr.parse("10.200.3.0/24")), seen);
    }

    @Test
    void exhaustedWhenEveryAssignableSubnetIsHeldAndSaysHowMany() {
        Set<Cidr> held = Set.of(Cidr.parse("10.200.1.0/24"), Cidr.parse("10.200.2.0/24"), Cidr.parse("10.200.3.0/24"));
        assertTrue(pool.choose(held, 0, new Random()).isEmpty());
        String message = pool.exhaustedMessage(Map.of(HostState.UP, 2L, HostState.DOWN, 1L));
        assertTrue(message.contains("holds 4 subnets of /24, 3 assignable (10.200.0.0/24 is kept unused), and all 3 are held"), message);
        assertTrue(message.contains("2 up, 1 down"), message);
    }

    @Test
    void bigFabricsAreCheap() {
        FabricPlan big = new PlanRequest("10.0.0.0/8", 30, null, null).toNewPlan("f", 0);
        assertEquals((1L << 22) - 1, big.assignableSubnets());
        assertEquals(Cidr.parse("10.0.0.4/30"), new SubnetPool(big).choose(Set.of(), 0, new Random()).orElseThrow());
    }
}
