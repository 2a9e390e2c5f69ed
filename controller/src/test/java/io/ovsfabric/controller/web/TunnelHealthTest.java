package io.ovsfabric.controller.web;

import static io.ovsfabric.controller.web.PageFixture.down;
import static io.ovsfabric.controller.web.PageFixture.left;
import static io.ovsfabric.controller.web.PageFixture.up;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ovsfabric.controller.web.TunnelHealth.State;
import org.junit.jupiter.api.Test;

class TunnelHealthTest {
    private final TunnelHealthSource byState = TunnelHealthSource.fromHostStates();

    @Test
    void withoutProbesTheStateFollowsTheEnds() {
        assertEquals(TunnelHealth.unknown("no probe reports: both ends UP"), byState.tunnel(up("h1", 1), up("h2", 2)));
        assertEquals(TunnelHealth.broken("h2 is DOWN"), byState.tunnel(up("h1", 1), down("h2", 2)));
        assertEquals(TunnelHealth.broken("h1 is DOWN"), byState.tunnel(down("h1", 1), up("h2", 2)));
        assertEquals(TunnelHealth.broken("h2 has left"), byState.tunnel(up("h1", 1), left("h2", 2)));
    }

    @Test
    void bothDirectionsCombine() {
        TunnelHealth ok = new TunnelHealth(State.HEALTHY, 0.5, "probe");
        TunnelHealth slowOk = new TunnelHealth(State.HEALTHY, 2.0, "probe");
        TunnelHealth bad = TunnelHealth.broken("no answer");
        TunnelHealth none = TunnelHealth.unknown("no report");
        assertEquals(new TunnelHealth(State.HEALTHY, 2.0, "probe"), TunnelHealth.combine(ok, slowOk));
        assertEquals(new TunnelHealth(State.BROKEN, 0.5, "no answer"), TunnelHealth.combine(ok, bad));
        assertEquals(new TunnelHealth(State.BROKEN, -1, "no answer"), TunnelHealth.combine(none, bad));
        assertEquals(new TunnelHealth(State.HEALTHY, 0.5, "probe"), TunnelHealth.combine(none, ok));
        assertEquals(none, TunnelHealth.combine(none, TunnelHealth.unknown("x")));
    }
}
