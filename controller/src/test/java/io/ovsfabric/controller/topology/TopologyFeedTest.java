package io.ovsfabric.controller.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.ipam.PlanRequest;
import io.ovsfabric.controller.model.FabricPlan;
import io.ovsfabric.controller.model.HostState;
import io.ovsfabric.controller.registry.FabricConfigBootstrap;
import io.ovsfabric.controller.registry.HostRegistry;
import io.ovsfabric.controller.registry.Sweeper;
import io.ovsfabric.controller.store.FabricStore;
import io.ovsfabric.controller.store.FakeKvStore;
import io.ovsfabric.common.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TopologyFeedTest {
    private static final Duration GRACE = Duration.ofMinutes(10);
    private final FakeKvStore store = new FakeKvStore();
    private final FabricStore fabric = new FabricStore(store, FabricStore.DEFAULT_PREFIX);
    private final MutableClock clock = new MutableClock(Instant.parse("2024-01-01T00:00:00Z"));
    private final FabricPlan plan = new FabricConfigBootstrap(fabric.config(), clock).ensure(new PlanRequest("10.200.0.0/16", 24, null, null));
    private final HostRegistry registry = new HostRegistry(fabric.hosts(), plan, Duration.ofSeconds(10), clock, "c1",
            new Random(1), h -> 0);
    private final Sweeper sweeper = new Sweeper(fabric.hosts(), GRACE, clock, h -> 0);
    private final TopologyFeed feed = new TopologyFeed(GRACE, TopologyFeed.DEFAULT_HISTORY, Runnable::run);

    {
        fabric.cache().start();
        fabric.cache().addListener(feed);
    }

    /** Pulls everything it is told about, at once (the gRPC stream pulls while its call is ready). */
    private static final class Recorder implements TopologyFeed.Sink {
        final List<TopologyEvent> events = new ArrayList<>();
        FabricException error;
        TopologyFeed.Subscription subscription;
        Runnable afterPulling; // once, after the next pull: a change landing while a pass is running

        Recorder subscribe(TopologyFeed feed, long resume) {
            subscription = feed.subscribe("test", resume, this);
            onAvailable();
            return this;
        }

        @Override
        public void onAvailable() {
            if (subscription == null) {
                return;
            }
            for (TopologyEvent e = subscription.next(); e != null; e = subscription.next()) {
                events.add(e);
            }
            Runnable hook = afterPulling;
            afterPulling = null;
            if (hook != null) {
                hook.run();
            }
        }

        @Override
        public void onError(FabricException error) {
            this.error = error;
        }

        TopologyEvent last() {
            return events.get(events.size() - 1);
        }
    }

    @Test
    void snapshotThenOneDeltaPerChangeWithRevisions() {
        HostRegistry.Registration h1 = registry.register("h1", "192.0.2.11", Map.of(), 0);
        Recorder rec = new Recorder().subscribe(feed, 0);
        TopologyFeed.Subscription sub = rec.subscription;
        TopologyEvent snapshot = rec.events.get(0);
        assertTrue(snapshot.isSnapshot());
        assertEquals(store.revision(), snapshot.revision());
        assertEquals(plan, snapshot.snapshot().plan());
        assertEquals(List.of(HostId.of("h1")), snapshot.snapshot().hosts().stream().map(h -> h.record().hostId()).toList());

        registry.register("h2", "192.0.2.12", Map.of(), 0);
        TopologyEvent added = rec.last();
        assertEquals(store.revision(), added.revision());
        TopologyChange.HostUpserted up = assertInstanceOf(TopologyChange.HostUpserted.class, added.changes().get(0));
        assertEquals(1, added.changes().size(), "record and live key of one revision make one change");
        assertEquals(HostState.UP, up.host().state());

        store.expireLease(h1.leaseId());
        TopologyChange.HostUpserted down = assertInstanceOf(TopologyChange.HostUpserted.class, rec.last().changes().get(0));
        assertEquals(HostState.DOWN, down.host().state());
        sweeper.sweepOnce();
        assertEquals(clock.millis(), ((TopologyChange.HostUpserted) rec.last().changes().get(0)).host().record().downSinceMs());
        clock.advance(GRACE);
        sweeper.sweepOnce();
        assertEquals(new TopologyChange.HostRemoved(HostId.of("h1")), rec.last().changes().get(0));
        sub.close();
        int seen = rec.events.size();
        registry.register("h3", "192.0.2.13", Map.of(), 0);
        assertEquals(seen, rec.events.size(), "closed subscriptions get nothing");
    }

    @Test
    void passesAreSpacedSoThatAThousandStreamsStayWithinTheMessageBudget() {
        long min = TopologyFeed.PASS_INTERVAL.toNanos();

        assertEquals(min, TopologyFeed.passIntervalNanos(min, 1), "few streams: the minimum interval");
        assertEquals(min, TopologyFeed.passIntervalNanos(min, 250), "250 streams at 20 passes a second: the budget");
        assertEquals(Duration.ofMillis(200).toNanos(), TopologyFeed.passIntervalNanos(min, 1000));
        assertEquals(TopologyFeed.MESSAGES_PER_SECOND, 1000 * (1_000_000_000L / TopologyFeed.passIntervalNanos(min, 1000)),
                "1,000 streams send the budget's messages a second, not more");
        assertEquals(0, TopologyFeed.passIntervalNanos(0, 1000), "no pacing asked (tests): none, however many streams");
    }

    @Test
    void aChangeLandingMidPassWaitsForTheNextPassSoStreamsAtOnePositionStayTogether() {
        List<Runnable> passes = new ArrayList<>();
        TopologyFeed paced = new TopologyFeed(GRACE, TopologyFeed.DEFAULT_HISTORY, passes::add);
        fabric.cache().addListener(paced);
        Recorder a = new Recorder().subscribe(paced, 0);
        Recorder b = new Recorder().subscribe(paced, 0);
        // whichever stream the pass wakes first sees h2 registered right after its pull
        Runnable h2Lands = () -> {
            a.afterPulling = null;
            b.afterPulling = null;
            registry.register("h2", "192.0.2.12", Map.of(), 0);
        };
        a.afterPulling = h2Lands;
        b.afterPulling = h2Lands;

        registry.register("h1", "192.0.2.11", Map.of(), 0);
        while (!passes.isEmpty()) {
            passes.remove(0).run();
        }

        assertEquals(3, a.events.size(), "snapshot, h1, h2: " + a.events);
        for (int i = 0; i < a.events.size(); i++) {
            assertSame(a.events.get(i), b.events.get(i), "both streams got the same event " + i + ": " + a.events + " / "
                    + b.events);
        }
        assertEquals(store.revision(), b.last().revision());
        paced.close();
    }

    @Test
    void resumeGivesExactlyTheChangesAfterTheRevisionAndAnOlderRevisionGivesASnapshot() {
        Recorder first = new Recorder().subscribe(feed, 0);
        TopologyFeed.Subscription sub = first.subscription;
        HostRegistry.Registration h1 = registry.register("h1", "192.0.2.11", Map.of(), 0);
        long applied = first.last().revision();
        sub.close();

        store.expireLease(h1.leaseId()); // missed while disconnected
        registry.register("h2", "192.0.2.12", Map.of(), 0);

        Recorder resumed = new Recorder().subscribe(feed, applied);
        assertFalse(resumed.events.get(0).isSnapshot());
        assertEquals(1, resumed.events.size(), "the two missed deltas come merged in one event");
        assertEquals(store.revision(), resumed.events.get(0).revision());
        List<TopologyChange> missed = resumed.events.get(0).changes();
        assertEquals(HostState.DOWN, ((TopologyChange.HostUpserted) missed.get(0)).host().state());
        assertEquals("h2", ((TopologyChange.HostUpserted) missed.get(1)).host().record().hostId().value());

        Recorder beforeHistory = new Recorder().subscribe(feed, 1);
        assertTrue(beforeHistory.events.get(0).isSnapshot(), "a revision from before the feed's history gets a snapshot");
        assertEquals(java.util.Set.of("h1", "h2"), hostsSeen(beforeHistory.events), "the snapshot and the deltas after it");
    }

    /** The hosts a watcher knows after applying the events (a shared snapshot may be followed by a few deltas). */
    private static java.util.Set<String> hostsSeen(List<TopologyEvent> events) {
        java.util.Set<String> hosts = new java.util.TreeSet<>();
        for (TopologyEvent e : events) {
            if (e.isSnapshot()) {
                hosts.clear();
                e.snapshot().hosts().forEach(h -> hosts.add(h.record().hostId().value()));
            }
            for (TopologyChange c : e.changes()) {
                if (c instanceof TopologyChange.HostUpserted u) {
                    hosts.add(u.host().record().hostId().value());
                } else if (c instanceof TopologyChange.HostRemoved r) {
                    hosts.remove(r.hostId().value());
                }
            }
        }
        return hosts;
    }

    @Test
    void aWatcherThatFallsBehindTheSharedHistoryGetsAFreshSnapshot() {
        TopologyFeed small = new TopologyFeed(GRACE, 3, Runnable::run);
        fabric.cache().addListener(small);
        TopologyFeed.Subscription slow = small.subscribe("slow", 0, new TopologyFeed.Sink() {
            @Override
            public void onAvailable() {
                // a stuck client: never pulls
            }

            @Override
            public void onError(FabricException error) {
            }
        });
        assertTrue(slow.next().isSnapshot());
        for (int i = 1; i <= 5; i++) {
            registry.register("h" + i, "192.0.2." + (10 + i), Map.of(), 0);
        }
        TopologyEvent next = slow.next();
        assertTrue(next.isSnapshot(), "5 deltas behind a history of 3: a snapshot, not a replay");
        List<TopologyEvent> rest = new ArrayList<>(List.of(next));
        for (TopologyEvent e = slow.next(); e != null; e = slow.next()) {
            rest.add(e);
        }
        assertEquals(java.util.Set.of("h1", "h2", "h3", "h4", "h5"), hostsSeen(rest));
        assertEquals(store.revision(), rest.get(rest.size() - 1).revision());
    }

    @Test
    void theWatchCacheEndsStreamsWhenItsWatchFailsAndServesAgainAfterReloading() {
        Recorder rec = new Recorder().subscribe(feed, 0);
        feed.onStale(new FabricException(FabricException.Code.UNAVAILABLE, "etcd has no leader"));
        assertEquals(FabricException.Code.UNAVAILABLE, rec.error.code());
        FabricException refused = org.junit.jupiter.api.Assertions.assertThrows(FabricException.class,
                () -> feed.subscribe("late", 0, rec));
        assertTrue(refused.getMessage().contains("does not follow etcd"), refused.getMessage());
    }
}
