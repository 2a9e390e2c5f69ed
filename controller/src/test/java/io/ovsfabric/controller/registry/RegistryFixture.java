package io.ovsfabric.controller.registry;

import io.ovsfabric.controller.ipam.PlanRequest;
import io.ovsfabric.controller.model.FabricPlan;
import io.ovsfabric.controller.store.FabricStore;
import io.ovsfabric.controller.store.FakeKvStore;
import io.ovsfabric.common.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;

/** A registry over the fake store with a hand-moved clock. */
final class RegistryFixture {
    static final Duration TTL = Duration.ofSeconds(10);
    static final Duration GRACE = Duration.ofMinutes(10);

    final FakeKvStore store = new FakeKvStore();
    final FabricStore fabric = new FabricStore(store, FabricStore.DEFAULT_PREFIX);
    /** The same etcd as another controller sees it (to race against this one). */
    final FabricStore other = new FabricStore(store, FabricStore.DEFAULT_PREFIX);
    final MutableClock clock = new MutableClock(Instant.parse("2024-01-01T00:00:00Z"));
    final FabricPlan plan;
    final HostRegistry registry;
    final Sweeper sweeper;

    RegistryFixture(String fabricCidr, int hostPrefix) {
        plan = new FabricConfigBootstrap(fabric.config(), clock).ensure(new PlanRequest(fabricCidr, hostPrefix, null, null));
        registry = new HostRegistry(fabric.hosts(), plan, TTL, clock, "c1", new Random(3), host -> 0);
        sweeper = new Sweeper(fabric.hosts(), GRACE, clock, host -> 0);
    }
}
