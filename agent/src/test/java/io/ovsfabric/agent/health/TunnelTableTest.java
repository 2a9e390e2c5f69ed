package io.ovsfabric.agent.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.HostId;
import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.common.Ipv4Address;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TunnelTableTest {
    private static final long S = 1_000_000_000L;
    private static final HostId H2 = HostId.of("h2");
    private static final HostId H3 = HostId.of("h3");
    private static final Ipv4Address G2 = Ipv4Address.parse("10.200.2.1");
    private static final Ipv4Address G3 = Ipv4Address.parse("10.200.3.1");

    private final TunnelTable table = new TunnelTable(ProbeSettings.defaults());   // 1 s, broken after 3, window 60
    private long now;            // nanos
    private long wall = 1_000;   // ms

    /** One round as the prober runs it: expire, then send. */
    private List<Transition> round() {
        now += S;
        wall += 1000;
        List<Transition> changes = table.expire(now, wall);
        table.due(now);
        return changes;
    }

    private Optional<Transition> answerLast(HostId peer, long afterNanos) {
        long seq = table.due(now).stream().filter(p -> p.peer().equals(peer)).findFirst().orElseThrow().seq();
        return table.answered(peer, seq, now + afterNanos, wall);
    }

    private PeerStatus status(HostId peer) {
        return table.statuses().stream().filter(s -> s.peer().equals(peer)).findFirst().orElseThrow();
    }

    @Test
    void newPeerIsPendingThenHealthyAtItsFirstAnswer() {
        assertTrue(table.setPeers(Map.of(H2, G2), wall));
        assertEquals(TunnelState.PENDING, status(H2).state());
        Transition t = answerLast(H2, 500_000).orElseThrow();
        assertEquals(TunnelState.PENDING, t.from());
        assertEquals(TunnelState.HEALTHY, t.to());
        assertEquals(Optional.of(Duration.ofNanos(500_000)), status(H2).lastRtt());
        assertEquals(wall, status(H2).lastAnswerMs());
    }

    @Test
    void brokenAfterThreeLostInARowNotBefore() {
        table.setPeers(Map.of(H2, G2), wall);
        answerLast(H2, 1000);
        table.due(now);                                   // probe 1: never answered
        assertEquals(List.of(), round());                 // 1 lost, probe 2 sent
        assertEquals(List.of(), round());                 // 2 lost, probe 3 sent
        assertEquals(TunnelState.HEALTHY, status(H2).state());
        List<Transition> third = round();                 // 3 lost
        assertEquals(1, third.size());
        assertEquals(TunnelState.BROKEN, third.get(0).to());
        assertEquals(TunnelState.HEALTHY, third.get(0).from());
        assertEquals(3, third.get(0).lostInRow());
        assertEquals(List.of(), round(), "a broken tunnel is reported broken once");
        assertEquals(TunnelState.BROKEN, status(H2).state());
        assertEquals(4, status(H2).lostTotal());
    }

    @Test
    void recoversAtTheFirstAnswer() {
        table.setPeers(Map.of(H2, G2), wall);
        answerLast(H2, 1000);
        table.due(now);
        round();
        round();
        round();                                          // 3 lost: broken; probe 4 in flight
        assertEquals(TunnelState.BROKEN, status(H2).state());
        Transition back = answerLast(H2, 2_000_000).orElseThrow();
        assertEquals(TunnelState.BROKEN, back.from());
        assertEquals(TunnelState.HEALTHY, back.to());
        assertEquals(3, back.lostInRow(), "how many were lost before it came back");
        assertEquals(Optional.of(Duration.ofMillis(2)), back.status().lastRtt());
    }

    @Test
    void anAnswerBetweenLossesKeepsItHealthy() {
        table.setPeers(Map.of(H2, G2), wall);
        answerLast(H2, 1000);
        table.due(now);
        round();
        round();                                          // 2 lost in a row
        assertEquals(Optional.empty(), answerLast(H2, 1000), "healthy stays healthy: no transition");
        table.due(now);                                   // with the one still in flight: 2 more to lose
        assertEquals(List.of(), round(), "2 lost again: the count started over at the answer");
        assertEquals(TunnelState.HEALTHY, status(H2).state());
    }

    @Test
    void lateAnswersToLostProbesAreIgnored() {
        table.setPeers(Map.of(H2, G2), wall);
        long seq = table.due(now).get(0).seq();
        round();                                          // seq lost
        assertEquals(Optional.empty(), table.answered(H2, seq, now, wall));
        assertEquals(Optional.empty(), table.answered(H3, 999, now, wall), "unknown peers are ignored");
        assertEquals(TunnelState.PENDING, status(H2).state());
    }

    @Test
    void pendingPeerThatNeverAnswersTurnsBroken() {
        table.setPeers(Map.of(H2, G2), wall);
        table.due(now);
        round();
        round();
        List<Transition> third = round();
        assertEquals(TunnelState.PENDING, third.get(0).from());
        assertEquals(TunnelState.BROKEN, third.get(0).to());
        assertEquals(0, third.get(0).status().lastAnswerMs());
    }

    @Test
    void windowCountsLossAndTheMedianRoundTripIgnoresTheSlowFirstAnswer() {
        table.setPeers(Map.of(H2, G2), wall);
        answerLast(H2, 700_000_000);                      // the first answer waited for ARP
        answerLast(H2, 1_000_000);
        answerLast(H2, 3_000_000);
        table.due(now);
        round();                                          // one lost
        PeerStatus s = status(H2);
        assertEquals(4, s.windowSent());
        assertEquals(1, s.windowLost());
        assertEquals(Optional.of(Duration.ofMillis(3)), s.medianRtt());
        assertEquals(Optional.of(Duration.ofMillis(3)), s.lastRtt());
        answerLast(H2, 2_000_000);
        assertEquals(Optional.of(Duration.ofMillis(2).plusNanos(500_000)), status(H2).medianRtt(), "even: the mean of the middle two");
    }

    @Test
    void windowKeepsOnlyTheLastProbes() {
        TunnelTable small = new TunnelTable(new ProbeSettings(7079, Duration.ofSeconds(1), 3, 3, Duration.ofSeconds(10)));
        small.setPeers(Map.of(H2, G2), 0);
        for (int i = 0; i < 5; i++) {
            small.due(i * S);
            small.expire((i + 1) * S, 0);
        }
        PeerStatus s = small.statuses().get(0);
        assertEquals(3, s.windowSent());
        assertEquals(3, s.windowLost());
        assertEquals(5, s.lostTotal());
        assertEquals(5, s.sentTotal());
    }

    @Test
    void peersFollowTheTopology() {
        table.setPeers(Map.of(H2, G2, H3, G3), wall);
        answerLast(H2, 1000);
        assertFalse(table.setPeers(Map.of(H2, G2, H3, G3), wall), "same peers: no change");
        assertTrue(table.setPeers(Map.of(H2, G2), wall));
        assertEquals(List.of(H2), table.statuses().stream().map(PeerStatus::peer).toList());
        assertEquals(TunnelState.HEALTHY, status(H2).state(), "a peer that stays keeps its state");
        assertTrue(table.setPeers(Map.of(H2, G3), wall));
        assertEquals(TunnelState.PENDING, status(H2).state(), "a peer whose gateway moved starts again");
        assertEquals(G3, status(H2).address());
    }

    @Test
    void probeUnansweredForAlmostAnIntervalIsNotLostYet() {
        table.setPeers(Map.of(H2, G2), wall);
        table.due(now);
        assertEquals(List.of(), table.expire(now + S / 2, wall));
        assertEquals(0, status(H2).lostTotal());
        table.expire(now + S, wall);
        assertEquals(1, status(H2).lostTotal());
    }

    @Test
    void settingsAreValidatedAllAtOnce() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> new ProbeSettings(70000, Duration.ofMillis(10), 0, 0, Duration.ZERO));
        assertTrue(e.getMessage().contains("--tunnel-probe-port 70000"), e.getMessage());
        assertTrue(e.getMessage().contains("--tunnel-probe-interval 10 ms must be between 100 ms and 1 minute"), e.getMessage());
        assertTrue(e.getMessage().contains("--tunnel-broken-after 0"), e.getMessage());
        assertTrue(e.getMessage().contains("report period"), e.getMessage());
        assertFalse(new ProbeSettings(0, Duration.ofSeconds(1), 3, 60, Duration.ofSeconds(10)).enabled());
    }
}
