package io.ovsfabric.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.AgentException;
import org.junit.jupiter.api.Test;

class MtuTest {
    @Test
    void greWithAKeyCosts42Bytes() {
        assertEquals(42, Mtu.GRE_KEYED_OVERHEAD);
        assertEquals(1458, Mtu.overlay(0, 1500, Mtu.GRE_KEYED_OVERHEAD, 1500));
    }

    @Test
    void theSmallestKnownLimitWins() {
        assertEquals(1458, Mtu.overlay(1458, 1500, 42, 9000), "a jumbo local underlay does not raise the fabric's MTU");
        assertEquals(1358, Mtu.overlay(1458, 1500, 42, 1400), "a smaller local underlay lowers it");
        assertEquals(1400, Mtu.overlay(1400, 1500, 42, 1500), "the controller may hand out less");
        assertEquals(8958, Mtu.overlay(0, 9000, 42, 9000), "jumbo everywhere");
        assertEquals(1458, Mtu.overlay(0, 0, 42, 1500), "only the local underlay known");
    }

    @Test
    void refusesAnUnusableMtu() {
        AgentException e = assertThrows(AgentException.class, () -> Mtu.overlay(0, 100, 42, 100));
        assertTrue(e.getMessage().contains("at least 110"), e.getMessage());
        assertThrows(AgentException.class, () -> Mtu.overlay(0, 0, 42, 0));
    }
}
