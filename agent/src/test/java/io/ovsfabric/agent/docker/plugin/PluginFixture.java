package io.ovsfabric.agent.docker.plugin;

import io.ovsfabric.agent.testing.FakeFabricNetworks;
import io.ovsfabric.agent.testing.FakeHostDataPlane;
import io.ovsfabric.agent.testing.FakePluginStateStore;
import java.time.Instant;
import io.ovsfabric.common.testing.MutableClock;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.model.NetworkSpec;
import io.ovsfabric.agent.docker.protocol.PluginProtocol;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/** One host's plugin on fakes, restartable on the same store (an agent restart). */
final class PluginFixture {
    final FakeFabricNetworks fabric = new FakeFabricNetworks();
    /** The host's data plane: its endpoint links ... */
    final FakeHostDataPlane plumbing = new FakeHostDataPlane();
    /** ... and its published ports (one fake: one host). */
    final FakeHostDataPlane forwarding = plumbing;
    final PluginStateStore store;
    final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    final PluginSettings settings = new PluginSettings(HostId.of("h1"), "br0", 1458, Duration.ofMinutes(2));
    private final Random random = new Random(7);
    PluginRuntime runtime;
    PluginProtocol protocol;
    final Libnetwork docker = new Libnetwork(() -> protocol);

    PluginFixture() {
        this(new FakePluginStateStore());
    }

    PluginFixture(PluginStateStore store) {
        this.store = store;
        restart();
    }

    /** A new runtime on the same store, fabric and host links: what an agent restart looks like to Docker. */
    void restart() {
        runtime = PluginRuntime.open(store, fabric, plumbing, forwarding, settings, clock, random);
        plumbing.readFrom(runtime::localEndpoints);
        protocol = runtime.protocol();
    }

    OverlayNetwork fabricNetwork(String name, String subnet) {
        return fabric.createNetwork(new NetworkSpec(name, Cidr.parse(subnet), Optional.empty(), Map.of()));
    }
}
