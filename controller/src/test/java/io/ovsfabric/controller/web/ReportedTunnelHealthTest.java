package io.ovsfabric.controller.web;

import static io.ovsfabric.controller.web.PageFixture.down;
import static io.ovsfabric.controller.web.PageFixture.up;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.health.TunnelView;
import io.ovsfabric.controller.model.TunnelReport;
import io.ovsfabric.controller.web.TunnelHealth.State;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReportedTunnelHealthTest {
    private final List<TunnelView> reported = new ArrayList<>();
    private final ReportedTunnelHealth health = new ReportedTunnelHealth(() -> List.copyOf(reported));

    private static TunnelView view(String host, String peer, TunnelReport.State state, int rttMicros, boolean stale) {
        Optional<Duration> rtt = rttMicros < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(rttMicros * 1000L));
        return new TunnelView(new HostId(host), new HostId(peer), "10.200.2.1", state, rtt, rtt, 1000, 1000, 10,
                state == TunnelReport.State.BROKEN ? 4 : 0, 2000, stale);
    }

    @Test
    void probeReportsDecideBetweenUpHosts() {
        reported.add(view("h1", "h2", TunnelReport.State.HEALTHY, 500, false));
        reported.add(view("h2", "h1", TunnelReport.State.BROKEN, -1, false));
        reported.add(view("h1", "h3", TunnelReport.State.HEALTHY, 500, true));
        health.refresh();

        assertEquals(new TunnelHealth(State.HEALTHY, 0.5, "probe"), health.tunnel(up("h1", 1), up("h2", 2)));
        assertEquals(new TunnelHealth(State.BROKEN, -1, "probes lost (4 of the last 10)"),
                health.tunnel(up("h2", 2), up("h1", 1)));
        assertEquals(State.UNKNOWN, health.tunnel(up("h1", 1), up("h3", 3)).state(), "a stale report is not believed");
        assertEquals(TunnelHealth.unknown("no probe report from h3"), health.tunnel(up("h3", 3), up("h1", 1)));
    }

    @Test
    void aDownEndIsBrokenWhateverItsLastReportSaid() {
        reported.add(view("h1", "h2", TunnelReport.State.HEALTHY, 500, false));
        health.refresh();
        assertEquals(TunnelHealth.broken("h2 is DOWN"), health.tunnel(up("h1", 1), down("h2", 2)));
    }

    @Test
    void listenersHearStateChangesNotRoundTrips() {
        AtomicInteger changes = new AtomicInteger();
        health.addListener(changes::incrementAndGet);
        reported.add(view("h1", "h2", TunnelReport.State.HEALTHY, 500, false));
        health.refresh();
        assertEquals(1, changes.get());

        reported.set(0, view("h1", "h2", TunnelReport.State.HEALTHY, 900, false));
        health.refresh();
        assertEquals(1, changes.get(), "a new round trip alone does not redraw the page");

        reported.set(0, view("h1", "h2", TunnelReport.State.BROKEN, -1, false));
        health.refresh();
        assertEquals(2, changes.get());
    }

    @Test
    void aFailedReadKeepsTheLastReports() {
        ReportedTunnelHealth failing = new ReportedTunnelHealth(new java.util.function.Supplier<>() {
            private int calls;

            @Override
            public List<TunnelView> get() {
                if (calls++ > 0) {
                    throw new IllegalStateException("etcd did not answer");
                }
                return List.of(view("h1", "h2", TunnelReport.State.HEALTHY, 500, false));
            }
        });
        failing.refresh();
        failing.refresh();
        assertEquals(State.HEALTHY, failing.tunnel(up("h1", 1), up("h2", 2)).state());
    }

    @Test
    void aSlowReadSpacesTheNextOnesSoThePageKeepsToATenthOfACore() {
        assertEquals(ReportedTunnelHealth.REFRESH, ReportedTunnelHealth.nextDelay(Duration.ofMillis(20)));
        assertEquals(Duration.ofSeconds(3), ReportedTunnelHealth.nextDelay(Duration.ofMillis(300)));
    }
}
