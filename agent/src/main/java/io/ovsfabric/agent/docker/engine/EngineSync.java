package io.ovsfabric.agent.docker.engine;

import io.ovsfabric.agent.docker.PluginException;
import io.ovsfabric.agent.docker.fabric.FabricNetwork;
import io.ovsfabric.agent.docker.fabric.FabricNetworks;
import io.ovsfabric.agent.docker.fabric.NetworkSpec;
import io.ovsfabric.agent.docker.plugin.PluginRuntime;
import io.ovsfabric.agent.docker.plugin.PluginState;
import io.ovsfabric.common.HostId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps the local engine and the controller in step: every fabric network exists as a docker network here, every
 * network made here with {@code docker network create -d ovsfabric} is registered with the controller, and the
 * controller learns which container holds each endpoint (names for DNS). Runs on one thread: a periodic full pass,
 * plus passes triggered by engine events and by {@link #requestSync()} (controller topology changes).
 */
public final class EngineSync implements AutoCloseable {
    public static final String DRIVER = "ovsfabric";
    private static final Logger log = LoggerFactory.getLogger(EngineSync.class);

    private final ContainerEngine engine;
    private final FabricNetworks fabric;
    private final PluginRuntime plugin;
    private final HostId host;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ofx-docker-sync");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean passQueued = new AtomicBoolean();
    private final Set<String> reportedConflicts = ConcurrentHashMap.newKeySet();
    private volatile AutoCloseable watch;
    private volatile boolean closed;

    public EngineSync(ContainerEngine engine, FabricNetworks fabric, PluginRuntime plugin, HostId host) {
        this.engine = engine;
        this.fabric = fabric;
        this.plugin = plugin;
        this.host = host;
    }

    /** One network pass; returns the actions it planned (each applied or logged). */
    public List<EngineSyncPlan.Action> syncNetworks() {
        List<EngineSyncPlan.Action> actions = EngineSyncPlan.plan(fabric.listNetworks(), engine.listNetworks(DRIVER),
                plugin.networkBindings());
        for (EngineSyncPlan.Action action : actions) {
            try {
                apply(action);
            } catch (PluginException e) {
                log.warn("docker sync on {}: {} failed, will retry: {}", host, action, e.getMessage());
            }
        }
        return actions;
    }

    /** Tells the controller the container of every endpoint that lacks it; returns how many were updated. */
    public int syncEndpoints() {
        int updated = 0;
        PluginState state = plugin.state();
        for (EngineNetwork network : engine.listNetworks(DRIVER)) {
            for (Map.Entry<String, String> c : network.containers().entrySet()) {
                PluginState.Endpoint endpoint = state.endpoints().get(c.getValue());
                if (endpoint != null && !endpoint.containerId().equals(c.getKey())) {
                    updated += syncContainer(c.getKey());
                }
            }
        }
        return updated;
    }

    /** Describes one container's endpoints of our driver to the controller; returns how many. */
    public int syncContainer(String containerId) {
        Optional<EngineContainer> container = engine.inspectContainer(containerId);
        int described = 0;
        if (container.isPresent()) {
            for (EngineContainer.Attachment a : container.get().attachments().values()) {
                if (!a.endpointId().isEmpty() && plugin.describeContainer(a.endpointId(), containerId,
                        container.get().name(), a.aliases())) {
                    described++;
                }
            }
        }
        return described;
    }

    /** A full pass: networks, endpoints, published-port rules, abandoned addresses, then what this host holds (for `ipam check`). Failures are logged; the next pass retries. */
    public void runOnce() {
        passQueued.set(false);
        try {
            syncNetworks();
            syncEndpoints();
        } catch (PluginException e) {
            log.warn("docker sync on {} failed, will retry: {}", host, e.getMessage());
        }
        try {
            plugin.syncPublishedPorts();
        } catch (PluginException e) {
            log.warn("repairing the published-port rules on {} failed, will retry: {}", host, e.getMessage());
        }
        try {
            plugin.releaseAbandoned();
        } catch (PluginException e) {
            log.warn("releasing abandoned addresses on {} failed, will retry: {}", host, e.getMessage());
        }
        try {
            fabric.reportHeld(host, plugin.heldAllocations());
        } catch (PluginException e) {
            log.warn("reporting the allocations of {} to the controller failed, will retry: {}", host, e.getMessage());
        }
    }

    /** Starts periodic passes and the event watch. */
    public void start(Duration period) {
        worker.scheduleWithFixedDelay(this::runOnce, 0, period.toMillis(), TimeUnit.MILLISECONDS);
        worker.execute(this::watchEvents);
    }

    /** Queues a pass soon (coalesced): call it when the controller's networks change. */
    public void requestSync() {
        if (!closed && passQueued.compareAndSet(false, true)) {
            worker.execute(this::runOnce);
        }
    }

    @Override
    public void close() {
        closed = true;
        closeWatch();
        worker.shutdownNow();
    }

    private void apply(EngineSyncPlan.Action action) {
        if (action instanceof EngineSyncPlan.CreateInEngine c) {
            FabricNetwork f = c.network();
            String id = engine.createNetwork(new EngineNetworkSpec(f.name(), DRIVER, DRIVER, f.subnet(), f.gateway(),
                    Map.of(EngineSyncPlan.NETWORK_ID_KEY, f.id()),
                    Map.of(EngineSyncPlan.NETWORK_ID_KEY, f.id(), "io.ovsfabric.managed-by", "ovsfabric-agent")));
            log.info("created docker network {} ({}) for fabric network {} on {}", f.name(), shortId(id), f.id(), host);
        } else if (action instanceof EngineSyncPlan.RegisterWithFabric r) {
            register(r.network());
        } else if (action instanceof EngineSyncPlan.RemoveFromEngine r) {
            engine.removeNetwork(r.network().id());
            log.info("removed docker network {} on {}: fabric network {} was deleted", r.network().name(), host,
                    r.fabricNetworkId());
        } else if (action instanceof EngineSyncPlan.Conflict c && reportedConflicts.add(c.message())) {
            log.error("docker sync on {}: {}", host, c.message());
        }
    }

    private void register(EngineNetwork e) {
        PluginState.Pool pool = plugin.state().poolForSubnet(e.subnet().orElseThrow()).orElseThrow(() ->
                PluginException.conflict("no IPAM pool for " + e.subnet().get() + " of docker network " + e.name()));
        FabricNetwork f = fabric.createNetwork(new NetworkSpec(e.name(), e.subnet().get(),
                e.gateway().or(() -> Optional.ofNullable(pool.gateway())),
                Map.of(FabricNetwork.POOL_ID_LABEL, pool.poolId(), FabricNetwork.ORIGIN_HOST_LABEL, host.value())));
        plugin.bindPool(pool.poolId(), f);
        log.info("registered docker network {} ({}) with the controller as fabric network {}", e.name(),
                e.subnet().get(), f.id());
    }

    private void watchEvents() {
        if (closed) {
            return;
        }
        try {
            watch = engine.watchNetworkEvents(DRIVER, this::onEvent, failure -> {
                if (!closed) {
                    log.warn("docker event stream on {} ended ({}); reconnecting in 5 s", host, failure.toString());
                    closeWatch();
                    worker.schedule(this::watchEvents, 5, TimeUnit.SECONDS);
                }
            });
        } catch (PluginException e) {
            log.warn("cannot watch docker events on {} ({}); retrying in 5 s", host, e.getMessage());
            worker.schedule(this::watchEvents, 5, TimeUnit.SECONDS);
        }
    }

    private void onEvent(EngineEvent event) {
        if (closed) {
            return;
        }
        switch (event.kind()) {
            case NETWORK_CREATED, NETWORK_REMOVED -> requestSync();
            case CONTAINER_CONNECTED -> event.containerId().ifPresent(id -> worker.execute(() -> {
                try {
                    syncContainer(id);
                } catch (PluginException e) {
                    log.warn("cannot describe container {} to the controller yet: {}", shortId(id), e.getMessage());
                }
            }));
            case CONTAINER_DISCONNECTED -> { }
        }
    }

    private void closeWatch() {
        AutoCloseable w = watch;
        watch = null;
        if (w != null) {
            try {
                w.close();
            } catch (Exception e) {
                log.debug("closing the docker event stream: {}", e.toString());
            }
        }
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
