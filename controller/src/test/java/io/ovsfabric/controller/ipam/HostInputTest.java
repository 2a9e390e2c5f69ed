package io.ovsfabric.controller.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.controller.model.FabricPlan;
import org.junit.jupiter.api.Test;

class HostInputTest {
    private static final FabricPlan PLAN = new PlanRequest("10.200.0.0/16", 24, null, null).toNewPlan("f", 0);

    @Test
    void acceptsAHostIdAndAnUnderlayOutsideTheFabric() {
        HostInput input = HostInput.parse("node-07", "192.0.2.11", PLAN);
        assertEquals("node-07", input.hostId().value());
        assertEquals("192.0.2.11", input.underlayIp().toString());
    }

    @Test
    void refusesWithPreciseMessages() {
        assertMessage("Node_1", "192.0.2.1", "invalid host id 'Node_1'");
        assertMessage("", "192.0.2.1", "a host id is required");
        assertMessage("h1", "192.0.2", "underlay IP of host h1: '192.0.2' is not an IPv4 address");
        assertMessage("h1", "10.200.3.4", "is inside the fabric CIDR 10.200.0.0/16");
        assertMessage("h1", "127.0.0.1", "cannot carry tunnels");
        assertMessage("h1", "0.0.0.0", "cannot carry tunnels");
        assertMessage("h1", "239.1.1.1", "cannot carry tunnels");
    }

    private static void assertMessage(String host, String ip, String expected) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> HostInput.parse(host, ip, PLAN));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
