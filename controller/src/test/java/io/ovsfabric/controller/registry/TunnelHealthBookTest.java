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
import java.util.ArrayList;
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
    void stateChangesAreWrittenAtOnceRoundTripsStayInMemory() {
        f.registry.register("h1", "192.0.2.11", Map.of(), 1500);
        assertTrue(book.report(H1, report(State.HEALTHY, 400)), "the first report is written");
        f.clock.advance(Duration.ofSeconds(10));
        assertFalse(book.report(H1, report(State.HEALTHY, 900)), "same states: kept in memory only");
        assertEquals(900, book.reports().get(H1).report().peers().get(0).lastRttMicros(), "this controller answers with the freshest");
        TunnelReport.Peer stored = other.reports().get(H1).report().peers().get(0);
        assertEquals(State.HEALTHY, stored.state(), "another reads the stored states");
        assertEquals(0, stored.lastAnswerMs(), "but not a healthy peer's round trips: etcd keeps states");
        f.clock.advance(Duration.ofSeconds(1));
        assertTrue(book.report(H1, report(State.BROKEN, 900)), "a state change is written at once");
        TunnelReport.Peer broken = other.reports().get(H1).report().peers().get(0);
        assertEquals(State.BROKEN, broken.state(), "every controller sees it");
        assertEquals(900, broken.lastRttMicros(), "with the broken peer's details");
        assertFalse(book.report(H1, report(State.BROKEN, 900)));
        f.clock.advance(TunnelHealthBook.REFRESH);
        assertTrue(book.report(H1, report(State.BROKEN, 900)), "and refreshed after " + TunnelHealthBook.REFRESH);
    }

    @Test
    void aControllerThatFirstHearsAHostWritesItsReportAtOnce() {
        f.registry.register("h1", "192.0.2.11", Map.of(), 1500);
        assertTrue(book.report(H1, report(State.HEALTHY, 400)));
        f.clock.advance(Duration.ofSeconds(10));
        // the host moves to the other controller: its first report there is written, so the first one's older copy
        // gives way to it everywhere instead of going stale
        assertTrue(other.report(H1, report(State.HEALTHY, 500)), "first heard here: written");
        f.clock.advance(Duration.ofMinutes(1));
        TunnelHealthBook.Known seenByFirst = book.reports().get(H1);
        assertFalse(seenByFirst.heardHere(), "the stored copy is newer than what the first controller heard");
        assertFalse(seenByFirst.stale(), "a minute-old stored copy is not stale: unchanged reports are rewritten every "
                + TunnelHealthBook.REFRESH);
        f.clock.advance(TunnelHealthBook.REFRESH);
        assertTrue(book.reports().get(H1).stale(), "a stored copy older than its refresh and then some is stale");
    }

    @Test
    void aThousandHealthyPeersAreStoredInAFewKilobytes() {
        List<TunnelReport.Peer> peers = new ArrayList<>();
        for (int i = 0; i < 999; i++) {
            peers.add(new TunnelReport.Peer(String.format("h%04d", i), "192.0.2." + (i % 250), State.HEALTHY, 1_765_151_234_567L,
                    1_765_151_234_567L, 123, 120, 60, 0));
        }
        peers.set(7, new TunnelReport.Peer("h0007", "192.0.2.7", State.BROKEN, 1_765_151_234_567L, 1_765_151_200_000L,
                456, 400, 60, 60));
        TunnelReport report = new TunnelReport(1_765_151_234_567L, 1000, 3, peers);
        String stored = f.fabric.tunnelHealth().encode(report);
        // every host's report in one 1,000-host mesh: a few MB in all, read in pages of 256 keys
        assertTrue(stored.length() < 10_000, stored.length() + " bytes");
        assertTrue(stored.contains("\"h0007\",\"address\":\"192.0.2.7\",\"state\":\"BROKEN\""), "a broken peer keeps its details");
        f.registry.register("h1", "192.0.2.11", Map.of(), 1500);
        book.report(H1, report);
        List<TunnelReport.Peer> back = other.reports().get(H1).report().peers();
        assertEquals(999, back.size());
        assertEquals(State.BROKEN, back.get(7).state());
        assertEquals(456, back.get(7).lastRttMicros());
        assertEquals("h0008", back.get(8).peer(), "peers in id order");
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
