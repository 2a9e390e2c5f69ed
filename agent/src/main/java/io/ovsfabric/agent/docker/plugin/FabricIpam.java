package io.ovsfabric.agent.docker.plugin;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.model.AddressLease;
import io.ovsfabric.agent.model.AllocationHandle;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.docker.plugin.PluginState.Allocation;
import io.ovsfabric.agent.docker.plugin.PluginState.AllocationKind;
import io.ovsfabric.agent.docker.plugin.PluginState.Pool;
import io.ovsfabric.agent.docker.protocol.IpamService;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.rpc.Backoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The IPAM driver: pools are fabric networks (found by subnet), endpoint addresses come from the controller's
 * global IPAM under a handle naming this host, the network and a random slot. The gateway belongs to the fabric
 * network and is never allocated.
 */
final class FabricIpam implements IpamService {
    private static final Logger log = LoggerFactory.getLogger(FabricIpam.class);
    /** RequestPool data key libnetwork reads the gateway from (then it does not ask for one). */
    static final String GATEWAY_DATA = "com.docker.network.gateway";
    static final String NETWORK_ID_DATA = "io.ovsfabric.network-id";

    private final PluginCore core;
    /** Releases of allocations the controller did not confirm: the first try at once, retries this far apart at most. */
    static final java.time.Duration MAX_RELEASE_RETRY = java.time.Duration.ofSeconds(15);
    /** Releases of allocations the controller did not confirm, off Docker's call. */
    private final java.util.concurrent.ScheduledExecutorService cleanup = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            runnable -> {
                Thread thread = new Thread(runnable, "ofx-ipam-cleanup");
                thread.setDaemon(true);
                return thread;
            });

    FabricIpam(PluginCore core) {
        this.core = core;
    }

    @Override
    public PoolGrant requestPool(PoolRequest request) {
        if (!ADDRESS_SPACE.equals(request.addressSpace())) {
            throw AgentException.invalid("IpamDriver.RequestPool: unknown address space '" + request.addressSpace()
                    + "'; ovsfabric has one: " + ADDRESS_SPACE);
        }
        Cidr subnet = request.pool().orElseThrow(() -> AgentException.invalid("IpamDriver.RequestPool: no subnet;"
                + " give one: docker network create -d ovsfabric --ipam-driver ovsfabric --subnet 10.201.0.0/16 NAME"
                + " (or define the network once with ovsfabricctl network create)"));
        core.lock.lock();
        try {
            List<OverlayNetwork> all = core.fabric.listNetworks();
            Optional<OverlayNetwork> exact = all.stream().filter(n -> n.subnet().equals(subnet)).findFirst();
            if (exact.isEmpty()) {
                Optional<OverlayNetwork> overlap = all.stream().filter(n -> n.subnet().overlaps(subnet)).findFirst();
                if (overlap.isPresent()) {
                    throw AgentException.conflict("IpamDriver.RequestPool: " + subnet + " overlaps fabric network "
                            + overlap.get().name() + " (" + overlap.get().subnet() + "); pick another subnet");
                }
            }
            Optional<Pool> existing = core.state.current().poolForSubnet(subnet);
            Pool pool;
            if (existing.isPresent()) {
                Pool p = existing.get();
                pool = exact.isPresent() && !p.bound() ? bind(p, exact.get(), p.references() + 1)
                        : new Pool(p.poolId(), p.subnet(), p.fabricNetworkId(), p.gateway(), p.references() + 1);
            } else if (exact.isPresent()) {
                pool = bind(new Pool(exact.get().poolId(), subnet, "", null, 0), exact.get(), 1);
            } else {
                // A network defined by `docker network create` on this host: its pool id travels to the controller
                // as a label when the engine sync registers the network, so every host uses the same id.
                pool = new Pool("ofx-" + core.randomHex(8), subnet, "", null, 1);
            }
            Pool granted = pool;
            core.state.update(s -> granted.bound() ? bindNetworks(s.withPool(granted), granted.poolId(),
                    granted.fabricNetworkId()) : s.withPool(granted));
            log.info("pool {} for {} requested (fabric network {}, {} reference(s))", pool.poolId(), subnet,
                    pool.bound() ? pool.fabricNetworkId() : "not registered yet", pool.references());
            return new PoolGrant(pool.poolId(), subnet, poolData(pool));
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public void releasePool(String poolId) {
        core.lock.lock();
        try {
            Pool pool = pool("IpamDriver.ReleasePool", poolId);
            if (pool.references() > 1) {
                core.state.update(s -> s.withPool(new Pool(pool.poolId(), pool.subnet(), pool.fabricNetworkId(),
                        pool.gateway(), pool.references() - 1)));
                return;
            }
            // No check that the docker network is gone: Docker 20.10 releases the pool before it deletes the network
            // in the driver (older libnetwork did the opposite); both orders must work.
            // Docker releases every address before the pool; what is left would leak in the controller.
            for (Allocation a : core.state.current().allocations().values()) {
                if (a.poolId().equals(poolId)) {
                    core.fabric.releaseAddress(a.parsedHandle().networkId(), a.parsedHandle());
                    core.state.update(s -> s.withoutAllocation(a.handle()));
                    log.info("released leftover address {} ({}) with pool {}", a.address(), a.handle(), poolId);
                }
            }
            core.state.update(s -> s.withoutPool(poolId));
            log.info("pool {} ({}) released", poolId, pool.subnet());
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public AddressGrant requestAddress(AddressRequest request) {
        core.lock.lock();
        try {
            Pool pool = pool("IpamDriver.RequestAddress", request.poolId());
            Optional<Ipv4Address> preferred = request.preferred();
            if (preferred.isPresent() && !pool.subnet().contains(preferred.get())) {
                throw AgentException.invalid("IpamDriver.RequestAddress: " + preferred.get() + " is outside pool "
                        + pool.subnet());
            }
            if (request.gateway()) {
                return gateway(pool, preferred);
            }
            if (preferred.isPresent() && preferred.get().equals(pool.gateway())) {
                throw AgentException.conflict("IpamDriver.RequestAddress: " + preferred.get()
                        + " is the gateway of the network; pick another address");
            }
            Pool bound = ensureBound(pool);
            AllocationKind kind = request.mac().isPresent() ? AllocationKind.ENDPOINT : AllocationKind.RESERVED;
            AllocationHandle handle = new AllocationHandle(core.settings.host(), bound.fabricNetworkId(),
                    core.randomHex(6));
            long now = core.clock.millis();
            // Write-ahead: the intent is on disk before the controller holds anything, so a crash in between is
            // cleaned up at the next start (see PluginRuntime.recover).
            core.state.update(s -> s.withAllocation(new Allocation(handle.toString(), pool.poolId(), null,
                    request.mac().orElse(null), kind, "", now)));
            AddressLease lease;
            try {
                lease = core.fabric.allocateAddress(bound.fabricNetworkId(), handle, preferred);
                if (!pool.subnet().contains(lease.address())) {
                    throw AgentException.failed("the controller handed out " + lease.address() + " for " + handle
                            + ", outside pool " + pool.subnet(), null);
                }
                core.state.update(s -> s.withAllocation(new Allocation(handle.toString(), pool.poolId(),
                        lease.address(), request.mac().orElse(null), kind, "", now)));
            } catch (AgentException e) {
                // Docker gets no address, so it will never release one: give it back now (or at recovery). When the
                // controller did not answer, Docker hears so at once (docker run fails fast) and the release, which
                // would wait for the controller too, runs in the background; the intent on disk covers a crash.
                if (AgentException.codeOf(e) == AgentException.Code.UNAVAILABLE) {
                    cleanup.execute(() -> releaseInBackground(bound, handle, 0,
                            new Backoff(java.time.Duration.ofSeconds(1), MAX_RELEASE_RETRY)));
                } else {
                    forgetIntent(bound, handle, e);
                }
                throw e;
            }
            log.info("allocated {} in {} for {} ({})", lease.address(), pool.subnet(), handle,
                    kind == AllocationKind.ENDPOINT ? "endpoint, mac " + request.mac().get() : "reserved");
            return new AddressGrant(lease.address(), pool.subnet().prefixLength());
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public void releaseAddress(String poolId, Ipv4Address address) {
        core.lock.lock();
        try {
            Pool pool = pool("IpamDriver.ReleaseAddress", poolId);
            if (address.equals(pool.gateway())) {
                return;   // the gateway belongs to the fabric network; nothing was allocated for it
            }
            Allocation a = core.state.current().allocationAt(poolId, address).orElseThrow(() ->
                    AgentException.notFound("IpamDriver.ReleaseAddress: " + address + " is not held by this host in"
                            + " pool " + poolId + " (released already?)"));
            if (a.bound()) {
                throw AgentException.conflict("IpamDriver.ReleaseAddress: " + address + " is still used by endpoint "
                        + PluginCore.shortId(a.endpointId()) + "; Docker deletes the endpoint before releasing its"
                        + " address");
            }
            core.fabric.releaseAddress(a.parsedHandle().networkId(), a.parsedHandle());
            core.state.update(s -> s.withoutAllocation(a.handle()));
            log.info("released {} in {} ({})", address, pool.subnet(), a.handle());
        } finally {
            core.lock.unlock();
        }
    }

    /** Binds a pool that was waiting for its fabric network (called once the engine sync registered it). */
    void bindPool(String poolId, OverlayNetwork network) {
        core.lock.lock();
        try {
            Pool pool = core.state.current().pools().get(poolId);
            if (pool != null && !pool.bound() && pool.subnet().equals(network.subnet())) {
                core.state.update(s -> bindNetworks(s.withPool(bind(pool, network, pool.references())), poolId,
                        network.id()));
                log.info("pool {} ({}) is fabric network {} ({})", poolId, pool.subnet(), network.name(), network.id());
            }
        } finally {
            core.lock.unlock();
        }
    }

    private AddressGrant gateway(Pool pool, Optional<Ipv4Address> preferred) {
        Ipv4Address gateway = pool.gateway() != null ? pool.gateway() : preferred.orElse(pool.subnet().firstUsable());
        if (preferred.isPresent() && !preferred.get().equals(gateway)) {
            throw AgentException.invalid("IpamDriver.RequestAddress: the gateway of " + pool.subnet() + " is "
                    + gateway + " in the fabric; drop --gateway or set it to " + gateway);
        }
        if (gateway.equals(pool.subnet().network()) || gateway.equals(pool.subnet().broadcast())) {
            throw AgentException.invalid("IpamDriver.RequestAddress: " + gateway + " cannot be the gateway of "
                    + pool.subnet() + " (network or broadcast address)");
        }
        if (pool.gateway() == null) {
            core.state.update(s -> s.withPool(new Pool(pool.poolId(), pool.subnet(), pool.fabricNetworkId(), gateway,
                    pool.references())));
        }
        return new AddressGrant(gateway, pool.subnet().prefixLength());
    }

    private Pool ensureBound(Pool pool) {
        if (pool.bound()) {
            return pool;
        }
        Optional<OverlayNetwork> network = core.fabric.findBySubnet(pool.subnet());
        if (network.isEmpty()) {
            throw AgentException.unavailable("IpamDriver.RequestAddress: the docker network with subnet "
                    + pool.subnet() + " is not registered with the controller yet (the agent registers networks"
                    + " made with docker network create within seconds); retry shortly", null);
        }
        Pool bound = bind(pool, network.get(), pool.references());
        core.state.update(s -> bindNetworks(s.withPool(bound), pool.poolId(), bound.fabricNetworkId()));
        return bound;
    }

    /** The docker networks on a pool that just got its fabric network learn it too. */
    private static PluginState bindNetworks(PluginState s, String poolId, String fabricNetworkId) {
        PluginState next = s;
        for (PluginState.Network n : s.networks().values()) {
            if (n.poolId().equals(poolId) && n.fabricNetworkId().isEmpty()) {
                next = next.withNetwork(n.withFabricNetworkId(fabricNetworkId));
            }
        }
        return next;
    }

    private static Pool bind(Pool pool, OverlayNetwork network, int references) {
        return new Pool(pool.poolId(), pool.subnet(), network.id(), network.gateway(), references);
    }

    /**
     * Releases an allocation whose outcome is unknown, retrying with {@link Backoff} (from 1 s, doubling, at most
     * {@link #MAX_RELEASE_RETRY}) while the controller is unavailable. The allocation may still land after the
     * failure Docker heard: etcd commits what its leader accepted before it noticed it had lost its quorum once the
     * quorum is back, so giving up after one try leaked the address until the agent's next start.
     */
    private void releaseInBackground(Pool pool, AllocationHandle handle, int tries, Backoff backoff) {
        Optional<AgentException> failure;
        core.lock.lock();
        try {
            failure = release(pool, handle);
        } finally {
            core.lock.unlock();
        }
        if (failure.isEmpty()) {
            if (tries > 0) {
                log.info("released {} after {} tries: the controller answers again", handle, tries + 1);
            }
            return;
        }
        if (AgentException.codeOf(failure.get()) != AgentException.Code.UNAVAILABLE) {
            log.warn("{} stays on disk (released at the next start): {}", handle, failure.get().getMessage());
            return;
        }
        java.time.Duration wait = backoff.next();
        if (tries == 0) {
            log.warn("{} stays on disk until the controller answers (tried again in {} ms, then at most every {} s): {}",
                    handle, wait.toMillis(), MAX_RELEASE_RETRY.toSeconds(), failure.get().getMessage());
        }
        try {
            cleanup.schedule(() -> releaseInBackground(pool, handle, tries + 1, backoff), wait.toMillis(),
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // the agent is stopping: the intent on disk is released at the next start
        }
    }

    private void forgetIntent(Pool pool, AllocationHandle handle, AgentException cause) {
        release(pool, handle).ifPresent(cause::addSuppressed); // the intent stays on disk; recovery releases it later
    }

    /** Gives the allocation back and drops its intent; the failure, if the controller did not take it back. */
    private Optional<AgentException> release(Pool pool, AllocationHandle handle) {
        try {
            // The controller may hold it although the answer was lost; releasing what is absent succeeds.
            core.fabric.releaseAddress(pool.fabricNetworkId(), handle);
            core.state.update(s -> s.withoutAllocation(handle.toString()));
            return Optional.empty();
        } catch (AgentException e) {
            return Optional.of(e);
        }
    }

    private Map<String, String> poolData(Pool pool) {
        Map<String, String> data = new LinkedHashMap<>();
        if (pool.bound()) {
            data.put(GATEWAY_DATA, pool.gateway() + "/" + pool.subnet().prefixLength());
            data.put(NETWORK_ID_DATA, pool.fabricNetworkId());
        }
        return data;
    }

    private Pool pool(String call, String poolId) {
        Pool pool = core.state.current().pools().get(poolId);
        if (pool == null) {
            throw AgentException.notFound(call + ": unknown pool " + poolId + " (not handed out by this host's"
                    + " ovsfabric IPAM, or released already)");
        }
        return pool;
    }
}
