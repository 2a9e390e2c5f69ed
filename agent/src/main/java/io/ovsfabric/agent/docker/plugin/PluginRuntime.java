package io.ovsfabric.agent.docker.plugin;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.rpc.FabricNetworks;
import io.ovsfabric.agent.linux.PortProbe;
import io.ovsfabric.agent.plan.LocalEndpoints;
import io.ovsfabric.agent.docker.plugin.PluginState.Allocation;
import io.ovsfabric.agent.docker.plugin.PluginState.AllocationKind;
import io.ovsfabric.agent.docker.protocol.IpamService;
import io.ovsfabric.agent.docker.protocol.NetworkDriverService;
import io.ovsfabric.agent.docker.protocol.PluginProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ovsfabric.agent.model.HostInventory;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/**
 * The Docker network + IPAM plugin of one host: its persisted state, the two driver services and the housekeeping
 * that keeps the controller's allocations free of leaks (write-ahead intents, abandoned addresses).
 */
public final class PluginRuntime {
    private static final Logger log = LoggerFactory.getLogger(PluginRuntime.class);

    private final PluginCore core;
    private final FabricIpam ipam;
    private final FabricNetworkDriver driver;
    /** Endpoint id to when Docker's listing first lacked it (memory only: a restart waits the grace again). */
    private final Map<String, Long> missingSince = new java.util.concurrent.ConcurrentHashMap<>();

    private PluginRuntime(PluginCore core) {
        this.core = core;
        this.ipam = new FabricIpam(core);
        this.driver = new FabricNetworkDriver(core);
    }

    /**
     * Loads the state (network ids and endpoints survive agent restarts) and builds the services on it.
     *
     * @param dataPlane asked for a pass after each change of the endpoints or published ports; it reads them with
     *                  {@link #localEndpoints()}
     * @param ports     the host's view of a host port (held by a process?) before it is published
     */
    public static PluginRuntime open(PluginStateStore store, FabricNetworks fabric, DataPlanePass dataPlane,
            PortProbe ports, PluginSettings settings, Clock clock) {
        return open(store, fabric, dataPlane, ports, settings, clock, new SecureRandom());
    }

    public static PluginRuntime open(PluginStateStore store, FabricNetworks fabric, DataPlanePass dataPlane,
            PortProbe ports, PluginSettings settings, Clock clock, RandomGenerator random) {
        return new PluginRuntime(new PluginCore(new StateHolder(store), fabric, dataPlane, ports, settings, clock,
                random));
    }

    /**
     * What the data plane must build for this host's endpoints: the joined ones (veth pair, br0 port) and the
     * published ports. From the current immutable state: never takes the plugin's lock, never blocks.
     */
    public LocalEndpoints localEndpoints() {
        return core.state.current().localEndpoints();
    }

    public NetworkDriverService driver() {
        return driver;
    }

    public IpamService ipam() {
        return ipam;
    }

    public PluginProtocol protocol() {
        return new PluginProtocol(driver, ipam);
    }

    public PluginState state() {
        return core.state.current();
    }

    /**
     * At start, before Docker can call: every allocation intent left by a crash is released in the controller
     * (releasing what the controller never allocated succeeds). Returns how many were released; intents the
     * controller cannot be asked about now stay for the next housekeeping pass.
     */
    public int recover() {
        rememberFabricNetworks();
        return release(Allocation::intent, "intent left by an agent crash");
    }

    /**
     * State files written before each docker network recorded its fabric network: take it from the network's pool
     * while that is there, so that a later docker network rm is followed up (see EngineSync) after an upgrade too.
     */
    private void rememberFabricNetworks() {
        core.lock.lock();
        try {
            PluginState s = core.state.current();
            PluginState next = s;
            for (PluginState.Network n : s.networks().values()) {
                PluginState.Pool pool = s.pools().get(n.poolId());
                if (n.fabricNetworkId().isEmpty() && pool != null && pool.bound()) {
                    next = next.withNetwork(n.withFabricNetworkId(pool.fabricNetworkId()));
                }
            }
            if (!next.equals(s)) {
                PluginState updated = next;
                core.state.update(old -> updated);
            }
        } finally {
            core.lock.unlock();
        }
    }

    /**
     * Periodic housekeeping: releases endpoint addresses that Docker has not bound to an endpoint (or released after
     * deleting it) within the grace period, and old intents. Only a dockerd crash at the wrong moment leaves these.
     */
    public int releaseAbandoned() {
        long limit = core.clock.millis() - core.settings.abandonedGrace().toMillis();
        return release(a -> a.sinceMillis() <= limit
                && (a.intent() || (a.kind() == AllocationKind.ENDPOINT && !a.bound())), "abandoned by Docker");
    }

    /**
     * Every allocation this host holds or may hold (intents too: the controller may have answered before a crash),
     * for `ipam check`.
     */
    public List<HostInventory.HeldAddress> heldAddresses() {
        return state().allocations().values().stream().map(a -> new HostInventory.HeldAddress(a.parsedHandle(),
                a.address() == null ? "" : a.address().toString(), a.kind() == AllocationKind.RESERVED, a.endpointId()))
                .toList();
    }

    /**
     * Deletes endpoints Docker no longer has (it deleted them while this agent was down, or its own state was lost):
     * once an endpoint has been missing from every listing for the grace period, its link goes and its address is
     * unbound (then released by {@link #releaseAbandoned}). {@code dockerEndpoints} must be a complete listing of
     * the endpoints on this driver's networks. Returns how many were deleted.
     */
    public int deleteVanished(Set<String> dockerEndpoints) {
        long now = core.clock.millis();
        long grace = core.settings.abandonedGrace().toMillis();
        Map<String, PluginState.Endpoint> ours = state().endpoints();
        missingSince.keySet().retainAll(ours.keySet());
        missingSince.keySet().removeAll(dockerEndpoints);
        int deleted = 0;
        for (PluginState.Endpoint e : ours.values()) {
            if (dockerEndpoints.contains(e.endpointId())) {
                continue;
            }
            long since = missingSince.computeIfAbsent(e.endpointId(), id -> now);
            if (now - since < grace) {
                continue;
            }
            try {
                driver.deleteEndpoint(e.networkId(), e.endpointId());
                missingSince.remove(e.endpointId());
                deleted++;
                log.warn("deleted endpoint {} ({}, container {}): Docker has not shown it for {} s", PluginCore.shortId(e.endpointId()),
                        e.address(), e.containerName().isEmpty() ? "unknown" : e.containerName(), (now - since) / 1000);
            } catch (AgentException ex) {
                log.warn("cannot delete vanished endpoint {} yet, will retry: {}", PluginCore.shortId(e.endpointId()), ex.getMessage());
            }
        }
        return deleted;
    }

    /** Binds a pool created by `docker network create` here to the fabric network the sync registered for it. */
    public void bindPool(String poolId, OverlayNetwork network) {
        ipam.bindPool(poolId, network);
    }

    /** Tells the controller which container holds an endpoint; false if the endpoint is not ours. */
    public boolean describeContainer(String endpointId, String containerId, String containerName, List<String> aliases) {
        return driver.describeContainer(endpointId, containerId, containerName, aliases);
    }

    /** Fabric networks whose docker network was removed on this host and not yet followed up by the sync. */
    public Set<String> removedFabricNetworks() {
        return state().removedFabricNetworks();
    }

    /** The sync has followed up the removal of a docker network of this fabric network. */
    public void forgetRemoved(String fabricNetworkId) {
        core.lock.lock();
        try {
            core.state.update(s -> s.withoutRemovedFabricNetwork(fabricNetworkId));
        } finally {
            core.lock.unlock();
        }
    }

    /** Docker network id to fabric network id ("" while not registered) for the networks of this driver. */
    public Map<String, String> networkBindings() {
        PluginState s = state();
        return s.networks().values().stream().collect(Collectors.toMap(PluginState.Network::networkId, n -> {
            PluginState.Pool pool = s.pools().get(n.poolId());
            return pool == null ? "" : pool.fabricNetworkId();
        }));
    }

    private int release(Predicate<Allocation> which, String why) {
        core.lock.lock();
        try {
            int released = 0;
            for (Allocation a : core.state.current().allocations().values()) {
                if (!which.test(a)) {
                    continue;
                }
                try {
                    core.fabric.releaseAddress(a.parsedHandle().networkId(), a.parsedHandle());
                    core.state.update(s -> s.withoutAllocation(a.handle()));
                    released++;
                    log.warn("released {} ({}) in pool {}: {}", a.address() == null ? "allocation" : a.address(),
                            a.handle(), a.poolId(), why);
                } catch (AgentException e) {
                    log.warn("cannot release {} ({}) yet, will retry: {}", a.address(), a.handle(), e.getMessage());
                }
            }
            return released;
        } finally {
            core.lock.unlock();
        }
    }
}
