package io.ovsfabric.controller.registry;

import io.ovsfabric.controller.ipam.PlanRequest;
import io.ovsfabric.controller.model.FabricPlan;
import io.ovsfabric.controller.store.FakeKvStore;
import io.ovsfabric.controller.store.JsonCodec;
import io.ovsfabric.controller.store.KeyLayout;
import io.ovsfabric.common.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;

/** A registry over the fake store with a hand-moved clock. */
final class RegistryFixture {
    static final Duration TTL = Duration.ofSeconds(10);
    static final Duration GRACE = Duration.ofMinutes(10);

    final FakeKvStore store = new FakeKvStore();
    final KeyLayout keys = new KeyLayout(KeyLayout.DEFAULT_PREFIX);
    final JsonCodec codec = new JsonCodec();
    final MutableClock clock = new MutableClock(Instant.parse("2024-01-01T00:00:00Z"));
    final HostStore hostStore = new HostStore(store, keys, codec, GRACE);
    final FabricPlan plan;
    final HostRegistry registry;
    final Sweeper sweeper;

    RegistryFixture(String fabricCidr, int hostPrefix) {
        plan = new FabricConfigBootstrap(store, keys, codec, clock).ensure(new PlanRequest(fabricCidr, hostPrefix, null, null));
        registry = new HostRegistry(store, keys, codec, hostStore, plan, TTL, clock, "c1", new Random(3), host -> 0);
        sweeper = new Sweeper(store, keys, codec, hostStore, GRACE, clock, host -> 0);
    }
}
