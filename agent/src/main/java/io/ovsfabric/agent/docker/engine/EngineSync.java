package io.ovsfabric.agent.docker.engine;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.rpc.FabricNetworks;
import io.ovsfabric.agent.model.HostInventory;
import io.ovsfabric.agent.model.NetworkSpec;
import io.ovsfabric.agent.docker.plugin.PluginRuntime;
import io.ovsfabric.agent.docker.plugin.PluginState;
import io.ovsfabric.agent.model.AttachedPort;
import io.ovsfabric.common.HostId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

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
    private final DataPlaneView dataPlane;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ofx-docker-sync");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean passQueued = new AtomicBoolean();
    private final Set<String> reportedConflicts = ConcurrentHashMap.newKeySet();
    private volatile AutoCloseable watch;
    private volatile boolean closed;
    /** The event stream failed (dockerd stopped or restarted): set until it is back. */
    private volatile boolean streamLost;

    /** @param dataPlane the bridge's endpoint ports and the applied topology revision, for `ipam check` */
    public EngineSync(ContainerEngine engine, FabricNetworks fabric, PluginRuntime plugin, HostId host,
            DataPlaneView dataPlane) {
        this.engine = engine;
        this.fabric = fabric;
        this.plugin = plugin;
        this.host = host;
        this.dataPlane = dataPlane;
    }

    /** One network pass; returns the actions it planned (each applied or logged). */
    public List<EngineSyncPlan.Action> syncNetworks() {
        followUpRemovals();
        List<OverlayNetwork> networks = fabric.listNetworks();
        List<EngineNetwork> local = engine.listNetworks(DRIVER);
        Set<String> removing = plugin.removedFabricNetworks();   // read after the engine: see followUpRemovals
        List<EngineSyncPlan.Action> actions = EngineSyncPlan.plan(networks, local, plugin.networkBindings()).stream()
                .filter(a -> !(a instanceof EngineSyncPlan.CreateInEngine c && removing.contains(c.network().id())))
                .toList();
        for (EngineSyncPlan.Action action : actions) {
            try {
                apply(action);
            } catch (AgentException e) {
                log.warn("docker sync on {}: {} failed, will retry: {}", host, action, e.getMessage());
            }
        }
        return actions;
    }

    /**
     * What a {@code docker network rm} here means for the fabric network (the plugin noted each removal):
     * <ul>
     * <li>on the network's origin host (whose {@code docker network create} defined it) the fabric network is
     * deleted, so every other host removes its copy; if containers elsewhere still use it the controller refuses,
     * nothing is deleted and the network is created here again;</li>
     * <li>on any other host (a copy the agent made, or a network defined with ovsfabricctl) only the local copy went:
     * the fabric network stays and the next pass creates the copy again.</li>
     * </ul>
     * A removal is forgotten once followed up; one the controller could not be asked about is retried, and its
     * network is not created here again meanwhile.
     */
    private void followUpRemovals() {
        Set<String> removed = plugin.removedFabricNetworks();
        if (removed.isEmpty()) {
            return;
        }
        List<OverlayNetwork> networks = fabric.listNetworks();
        for (String id : removed) {
            Optional<OverlayNetwork> found = networks.stream().filter(n -> n.id().equals(id)).findFirst();
            if (found.isEmpty()) {
                plugin.forgetRemoved(id);   // deleted in the controller already (ovsfabricctl network rm, the origin)
                continue;
            }
            OverlayNetwork f = found.get();
            String origin = f.labels().getOrDefault(OverlayNetwork.ORIGIN_HOST_LABEL, "");
            if (!origin.equals(host.value())) {
                log.info("docker network {} was removed on {}, which did not define it ({}): fabric network {} stays and"
                        + " is created here again; to delete it everywhere run docker network rm {} on {}", f.name(),
                        host, origin.isEmpty() ? "defined with ovsfabricctl" : "defined on " + origin, f.name(), f.name(),
                        origin.isEmpty() ? "its origin, or ovsfabricctl network rm " + f.name() : origin);
                plugin.forgetRemoved(id);
                continue;
            }
            try {
                fabric.deleteNetwork(id);
                log.info("docker network {} ({}) was removed on its origin host {}: deleted fabric network {} ({}) on"
                        + " every host", f.name(), f.subnet(), host, f.name(), id);
                plugin.forgetRemoved(id);
            } catch (AgentException e) {
                if (e.code() == AgentException.Code.UNAVAILABLE) {
                    log.warn("docker network {} was removed on its origin host {}; deleting fabric network {} failed,"
                            + " will retry: {}", f.name(), host, f.name(), e.getMessage());
                    continue;
                }
                log.error("docker network {} was removed on its origin host {}, but fabric network {} stays and is"
                        + " created here again: {}. Remove the containers that use it on the other hosts, then run"
                        + " docker network rm {} here again (or ovsfabricctl network rm {} --force)", f.name(), host,
                        f.name(), e.getMessage(), f.name(), f.name());
                plugin.forgetRemoved(id);
            }
        }
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

    /**
     * A full pass: networks, endpoints, endpoints Docker lost, abandoned addresses, then what
     * this host has (for `ipam check`). Failures are logged; the next pass retries.
     */
    public void runOnce() {
        passQueued.set(false);
        long revision = dataPlane.appliedRevision();   // before anything is read: judged against etcd then
        try {
            syncNetworks();
            syncEndpoints();
        } catch (AgentException e) {
            log.warn("docker sync on {} failed, will retry: {}", host, e.getMessage());
        }
        Optional<List<HostInventory.DockerEndpoint>> docker = dockerEndpoints();
        docker.ifPresent(endpoints -> plugin.deleteVanished(endpoints.stream()
                .map(HostInventory.DockerEndpoint::dockerEndpointId).collect(Collectors.toSet())));
        try {
            plugin.releaseAbandoned();
        } catch (AgentException e) {
            log.warn("releasing abandoned addresses on {} failed, will retry: {}", host, e.getMessage());
        }
        try {
            fabric.reportInventory(host, new HostInventory(revision, plugin.heldAddresses(), docker, bridgePorts()));
        } catch (AgentException e) {
            log.warn("reporting what {} has to the controller failed, will retry: {}", host, e.getMessage());
        }
    }

    /** The engine's endpoints on this driver's networks; empty when the engine cannot be read now. */
    private Optional<List<HostInventory.DockerEndpoint>> dockerEndpoints() {
        try {
            Map<String, String> bindings = plugin.networkBindings();
            List<HostInventory.DockerEndpoint> out = new ArrayList<>();
            for (EngineNetwork n : engine.listNetworks(DRIVER)) {
                String fabricId = bindings.getOrDefault(n.id(), "");
                n.endpoints().forEach(a -> out.add(new HostInventory.DockerEndpoint(fabricId, n.id(), a.endpointId(),
                        a.containerId(), a.containerName(), a.address())));
            }
            return Optional.of(out);
        } catch (AgentException e) {
            log.warn("cannot list Docker's endpoints on {} ({}); this pass reports without them", host, e.getMessage());
            return Optional.empty();
        }
    }

    /** The bridge's endpoint ports; empty when OVS cannot be read now. */
    private Optional<List<AttachedPort>> bridgePorts() {
        try {
            return Optional.of(dataPlane.endpointPorts());
        } catch (RuntimeException e) {
            log.warn("cannot read the bridge's endpoint ports on {} ({}); this pass reports without them", host,
                    e.getMessage());
            return Optional.empty();
        }
    }

    /** Starts periodic passes and the event watch. */
    public void start(Duration period) {
        // Subscribe first (one thread: in this order): a container that connects during the first pass is then
        // either seen by the pass or announced by the stream, never missed until the next period.
        worker.execute(this::watchEvents);
        worker.scheduleWithFixedDelay(this::runOnce, 0, period.toMillis(), TimeUnit.MILLISECONDS);
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
            OverlayNetwork f = c.network();
            String id = engine.createNetwork(new EngineNetworkSpec(f.name(), DRIVER, DRIVER, f.subnet(), f.gateway(),
                    Map.of(EngineSyncPlan.NETWORK_ID_KEY, f.id()),
                    Map.of(EngineSyncPlan.NETWORK_ID_KEY, f.id(), "io.ovsfabric.managed-by", "ovsfabric-agent")));
            log.info("created docker network {} ({}) for fabric network {} on {}", f.name(), shortId(id), f.id(), host);
        } else if (action instanceof EngineSyncPlan.RegisterWithFabric r) {
            try {
                register(r.network());
            } catch (AgentException e) {
                refuseRegistration(r.network(), e);
            }
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
                AgentException.conflict("no IPAM pool for " + e.subnet().get() + " of docker network " + e.name()));
        OverlayNetwork f = fabric.createNetwork(new NetworkSpec(e.name(), e.subnet().get(),
                e.gateway().or(() -> Optional.ofNullable(pool.gateway())),
                Map.of(OverlayNetwork.POOL_ID_LABEL, pool.poolId(), OverlayNetwork.ORIGIN_HOST_LABEL, host.value())));
        plugin.bindPool(pool.poolId(), f);
        log.info("registered docker network {} ({}) with the controller as fabric network {}", e.name(),
                e.subnet().get(), f.id());
    }

    /**
     * The controller refused a network made here (another host registered the same name or an overlapping subnet
     * first): it can never carry a container, so it leaves this engine rather than linger half-made.
     */
    private void refuseRegistration(EngineNetwork e, AgentException cause) {
        if (cause.code() != AgentException.Code.CONFLICT && cause.code() != AgentException.Code.INVALID) {
            throw cause;
        }
        if (!e.containers().isEmpty()) {
            throw cause;   // cannot happen (no address without registration); keep it and say so each pass
        }
        engine.removeNetwork(e.id());
        log.error("docker network {} ({}) made on {} cannot join the fabric: {}; removed it from this engine."
                + " Create it again with another name or subnet", e.name(), e.subnet().map(Object::toString).orElse("?"),
                host, cause.getMessage());
    }

    private void watchEvents() {
        if (closed) {
            return;
        }
        try {
            watch = engine.watchNetworkEvents(DRIVER, this::onEvent, failure -> {
                if (!closed) {
                    streamLost = true;
                    log.warn("docker event stream on {} ended ({}); reconnecting in 5 s", host, failure.toString());
                    closeWatch();
                    worker.schedule(this::watchEvents, 5, TimeUnit.SECONDS);
                }
            });
            if (streamLost) {
                streamLost = false;
                // A restarted dockerd put its FORWARD rules above ours (containers of docker0 could reach user
                // networks) and may have changed networks meanwhile: do not wait for the periodic passes.
                log.info("docker event stream on {} is back (dockerd restarted): re-checking the host's rules and networks",
                        host);
                dataPlane.requestReconcile();
                requestSync();
            }
        } catch (AgentException e) {
            streamLost = true;
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
                } catch (AgentException e) {
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
