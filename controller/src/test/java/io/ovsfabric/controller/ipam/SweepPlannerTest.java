package io.ovsfabric.controller.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.controller.model.HostRecord;
import io.ovsfabric.controller.model.Versioned;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SweepPlannerTest {
    private static final Duration GRACE = Duration.ofMinutes(10);

    private static Versioned<HostRecord> host(String id, boolean registered, long downSince) {
        return new Versioned<>(new HostRecord(HostId.of(id), Ipv4Address.parse("192.0.2.1"), Cidr.parse("10.200.1.0/24"),
                Map.of(), 1, registered, registered ? 1 : 0, downSince), 9);
    }

    @Test
    void liveAndReservedHostsAreLeftAlone() {
        assertEquals(List.of(), SweepPlanner.plan(List.of(host("up", true, 0), host("res", false, 0)), Set.of(HostId.of("up")), 1000, GRACE));
    }

    @Test
    void aDeadHostIsMarkedDownOnceThenReclaimedAfterTheGracePeriod() {
        List<SweepPlanner.Action> first = SweepPlanner.plan(List.of(host("h", true, 0)), Set.of(), 1000, GRACE);
        SweepPlanner.MarkDown down = assertInstanceOf(SweepPlanner.MarkDown.class, first.get(0));
        assertEquals(1000, down.updated().downSinceMs());
        assertEquals(List.of(), SweepPlanner.plan(List.of(host("h", true, 1000)), Set.of(), 1000 + GRACE.toMillis() - 1, GRACE));
        assertInstanceOf(SweepPlanner.Reclaim.class,
                SweepPlanner.plan(List.of(host("h", true, 1000)), Set.of(), 1000 + GRACE.toMillis(), GRACE).get(0));
    }
}
