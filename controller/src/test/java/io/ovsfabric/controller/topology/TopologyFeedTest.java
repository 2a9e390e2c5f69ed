package io.ovsfabric.controller.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
    private final TopologyFeed feed = new TopologyFeed(fabric.topology(), GRACE);

    private static final class Recorder implements TopologyFeed.Sink {
        final List<TopologyEvent> events = new ArrayList<>();
        FabricException error;

        @Override
        public void onEvent(TopologyEvent event) {
            events.add(event);
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
        Recorder rec = new Recorder();
        TopologyFeed.Subscription sub = feed.subscribe("test", 0, rec);
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
    void resumeGivesExactlyTheChangesAfterTheRevisionAndCompactionGivesASnapshot() {
        Recorder first = new Recorder();
        TopologyFeed.Subscription sub = feed.subscribe("test", 0, first);
        HostRegistry.Registration h1 = registry.register("h1", "192.0.2.11", Map.of(), 0);
        long applied = first.last().revision();
        sub.close();

        store.expireLease(h1.leaseId()); // missed while disconnected
        registry.register("h2", "192.0.2.12", Map.of(), 0);

        Recorder resumed = new Recorder();
        feed.subscribe("test", applied, resumed);
        assertFalse(resumed.events.get(0).isSnapshot());
        assertEquals(2, resumed.events.size());
        assertEquals(HostState.DOWN, ((TopologyChange.HostUpserted) resumed.events.get(0).changes().get(0)).host().state());
        assertEquals("h2", ((TopologyChange.HostUpserted) resumed.events.get(1).changes().get(0)).host().record().hostId().value());

        store.compact(store.revision());
        Recorder afterCompaction = new Recorder();
        feed.subscribe("test", applied, afterCompaction);
        assertTrue(afterCompaction.events.get(0).isSnapshot());
        assertEquals(2, afterCompaction.events.get(0).snapshot().hosts().size());
    }
}
