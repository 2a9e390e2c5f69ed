package io.ovsfabric.controller.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.controller.model.FabricPlan;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlanRequestTest {

    @Test
    void newPlanGetsDefaultsAndDerivedValues() {
        FabricPlan plan = new PlanRequest("10.200.0.0/16", 24, null, null).toNewPlan("id", 5);
        assertEquals(1, plan.tunnelKey());
        assertEquals(1500, plan.underlayMtu());
        assertEquals(1458, plan.overlayMtu());
        assertEquals(2, plan.reservedHead());
        assertEquals(255, plan.assignableSubnets());
        assertEquals(java.time.Duration.ofSeconds(10), plan.leaseTtl());
        assertEquals(java.time.Duration.ofMinutes(10), plan.reclaimGrace());
    }

    @Test
    void livenessPolicyIsPartOfThePlan() {
        FabricPlan stored = new PlanRequest("10.200.0.0/16", 24, null, null, java.time.Duration.ofSeconds(3), java.time.Duration.ofMinutes(1))
                .toNewPlan("id", 0);
        assertEquals(List.of("--lease-ttl: stored 3s, given 10s", "--reclaim-grace: stored 60s, given 600s"),
                new PlanRequest(null, null, null, null, java.time.Duration.ofSeconds(10), java.time.Duration.ofMinutes(10)).differencesFrom(stored));
        assertEquals(1, new PlanRequest(null, null, null, null, java.time.Duration.ofMillis(1500), null).problems().size());
    }

    @Test
    void reportsEveryProblemAtOnce() {
        List<String> problems = new PlanRequest("10.200.0.0/33", 31, 0L, 100).problems();
        assertEquals(4, problems.size(), problems.toString());
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> new PlanRequest("10.200.0.0/16", 16, null, null).validate());
        assertTrue(e.getMessage().contains("/16 must be longer than the fabric's /16"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> new PlanRequest("10.200.1.0/16", 24, null, null).validate());
        assertTrue(e.getMessage().contains("did you mean 10.200.0.0/16"), e.getMessage());
    }

    @Test
    void firstControllerNeedsCidrAndPrefix() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> new PlanRequest(null, null, null, null).toNewPlan("x", 0));
        assertTrue(e.getMessage().contains("--fabric-cidr and --host-prefix"), e.getMessage());
    }

    @Test
    void differencesNameOnlyTheGivenFieldsThatDisagree() {
        FabricPlan stored = new PlanRequest("10.200.0.0/16", 24, 7L, 1500).toNewPlan("id", 0);
        assertEquals(List.of(), new PlanRequest(null, null, null, null).differencesFrom(stored));
        assertEquals(List.of(), new PlanRequest("10.200.0.0/16", 24, 7L, 1500).differencesFrom(stored));
        assertEquals(List.of("--fabric-cidr: stored 10.200.0.0/16, given 10.201.0.0/16", "--tunnel-key: stored 7, given 8"),
                new PlanRequest("10.201.0.0/16", 24, 8L, null).differencesFrom(stored));
    }
}
