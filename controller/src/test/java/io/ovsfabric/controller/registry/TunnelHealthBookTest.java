package io.ovsfabric.controller.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.health.TunnelHealthBook;
import io.ovsfabric.controller.health.TunnelView;
import io.ovsfabric.controller.model.TunnelReport;
import io.ovsfabric.controller.model.TunnelReport.State;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TunnelHealthBookTest {
    private static final HostId H1 = HostId.of("h1");
    private final RegistryFixture f = new RegistryFixture("10.200.0.0/16", 24);
    private final TunnelHealthBook book = new TunnelHealthBook(f.fabric.tunnelHealth(), f.fabric.hosts(), f.clock);
    /** Another controller on the same etcd. */
    private final TunnelHealthBook other = new TunnelHealthBook(f.other.tunnelHealth(), f.other.hosts(), f.clock);

    private static TunnelReport report(State h2, int rttMicros) {
        return new TunnelReport(0, 1000, 3, List.of(
                new TunnelReport.Peer("h2", "10.200.2.1", h2, 5, h2 == State.HEALTHY ? 7 : 0, rttMicros, rttMicros, 10, 0),
                new TunnelReport.Peer("h3", "10.200.3.1", State.HEALTHY, 5, 7, 300, 300, 10, 0)));
    }

    @Test
    void onlyALiveHostReports() {
        FabricException e = assertThrows(FabricException.class, () -> book.report(H1, report(State.HEALTHY, 400)));
        assertEquals(FabricException.Code.REFUSED, e.code());
        assertTrue(e.getMessage().contains("h1 has no live lease"), e.getMessage());
    }

    @Test
    void stateChangesAreWrittenAtOnceRoundTripsAtTheRefresh() {
        f.registry.register("h1", "192.0.2.11", Map.of(), 1500);
        assertTrue(book.report(H1, report(State.HEALTHY, 400)), "the first report is written");
        f.clock.advance(Duration.ofSeconds(10));
        assertFalse(book.report(H1, report(State.HEALTHY, 900)), "same states: kept in memory only");
        assertEquals(900, book.reports().get(H1).peers().get(0).lastRttMicros(), "this controller answers with the freshest");
        assertEquals(400, other.reports().get(H1).peers().get(0).lastRttMicros(), "another reads the stored copy");
        f.clock.advance(Duration.ofSeconds(1));
        assertTrue(book.report(H1, report(State.BROKEN, 900)), "a state change is written at once");
        assertEquals(State.BROKEN, other.reports().get(H1).peers().get(0).state(), "every controller sees it");
        f.clock.advance(TunnelHealthBook.REFRESH);
        assertTrue(book.report(H1, report(State.BROKEN, 900)), "and refreshed after " + TunnelHealthBook.REFRESH);
    }

    @Test
    void aDeadHostsReportGoesWithItsLease() {
        HostRegistry.Registration r = f.registry.register("h1", "192.0.2.11", Map.of(), 1500);
        book.report(H1, report(State.HEALTHY, 400));
        f.store.expireLease(r.leaseId());
        assertEquals(Map.of(), book.reports());
        assertEquals(List.of(), book.tunnels());
    }

    @Test
    void tunnelsAndCountsPerHostAndPeer() {
        f.registry.register("h1", "192.0.2.11", Map.of(), 1500);
        book.report(H1, report(State.BROKEN, 400));
        List<TunnelView> tunnels = book.tunnels();
        assertEquals(2, tunnels.size());
        TunnelView h2 = tunnels.get(0);
        assertEquals(H1, h2.host());
        assertEquals(HostId.of("h2"), h2.peer());
        assertEquals(State.BROKEN, h2.state());
        assertEquals(Optional.empty(), h2.lastRtt(), "never answered: no round trip");
        assertEquals(Optional.of(Duration.ofNanos(300_000)), tunnels.get(1).lastRtt());
        assertFalse(h2.stale());
        assertEquals(Map.of(State.PENDING, 0L, State.HEALTHY, 1L, State.BROKEN, 1L), book.counts());
        f.clock.advance(Duration.ofMinutes(1));
        assertTrue(book.tunnels().get(0).stale(), "a report a minute old is stale");
    }
}
