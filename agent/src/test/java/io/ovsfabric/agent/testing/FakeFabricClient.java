package io.ovsfabric.agent.testing;

import io.ovsfabric.agent.rpc.FabricClient;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.model.FabricHost;
import io.ovsfabric.agent.model.FabricSettings;
import io.ovsfabric.agent.model.TopologyUpdate;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** A controller in memory: hands out one registration, records watches, and can be made unreachable. */
public final class FakeFabricClient implements FabricClient {
    private final Registration registration;
    private volatile boolean reachable = true;
    private volatile boolean leaseLost;
    public final List<Long> watchResumeRevisions = new ArrayList<>();
    public volatile int registrations;
    private Consumer<TopologyUpdate> onUpdate;
    private Consumer<Throwable> onEnd;

    public FakeFabricClient(Registration registration) {
        this.registration = registration;
    }

    public void setReachable(boolean reachable) {
        this.reachable = reachable;
    }

    /** What the last registration said it holds. */
    public volatile java.util.Optional<io.ovsfabric.common.Cidr> lastHeldSubnet = java.util.Optional.empty();
    /** When set, registrations fail with it (e.g. the held subnet went to another host). */
    public volatile AgentException refusal;

    public void loseLease() {
        leaseLost = true;
    }

    private void check() {
        if (!reachable) {
            throw new AgentException(AgentException.Code.UNAVAILABLE, "fake controller is down", null);
        }
    }

    @Override
    public Registration register(HostId host, Ipv4Address underlayIp, int underlayMtu, Map<String, String> caps,
            java.util.Optional<io.ovsfabric.common.Cidr> heldSubnet) {
        check();
        lastHeldSubnet = heldSubnet;
        registrations++;
        if (refusal != null) {
            throw refusal;
        }
        leaseLost = false;
        return registration;
    }

    /**
     * From now on, while unreachable, a watch opens and then fails at once (on another thread, as a gRPC stream does)
     * instead of refusing; after the {@code n}-th such failure the controller answers again from the next keep-alive
     * on, which first waits for that failure to be delivered (a controller that comes back after its streams failed).
     */
    public synchronized void streamsFailWhileDownThenHealAfter(int n) {
        failStreamsWhileDown = true;
        healAfterFailedWatches = n;
    }

    private boolean failStreamsWhileDown;   // guarded by this
    private int healAfterFailedWatches;     // guarded by this
    private int failedWatches;              // guarded by this
    private Thread pendingFailure;          // guarded by this
    private volatile boolean healAtNextKeepAlive;
    /** Keep-alives answered since the heal, and how many of them had been answered when the last watch opened. */
    public volatile int keepAlivesSinceHeal;
    public volatile int keepAlivesSinceHealAtLastWatch = -1;

    @Override
    public void keepAlive(HostId host) {
        Thread failure;
        synchronized (this) {
            failure = pendingFailure;
        }
        if (failure != null) {
            try {
                failure.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (healAtNextKeepAlive) {
            healAtNextKeepAlive = false;
            reachable = true;
            keepAlivesSinceHeal = 0;
        }
        check();
        keepAlivesSinceHeal++;
        if (leaseLost) {
            throw new AgentException(AgentException.Code.LEASE_LOST, "lease gone", null);
        }
    }

    @Override
    public synchronized AutoCloseable watch(HostId host, long resume, Consumer<TopologyUpdate> onUpdate,
            Consumer<Throwable> onEnd) {
        if (!reachable && failStreamsWhileDown) {
            watchResumeRevisions.add(resume);
            Thread failure = new Thread(() -> onEnd.accept(
                    new AgentException(AgentException.Code.UNAVAILABLE, "fake controller is down", null)));
            failure.start();
            pendingFailure = failure;
            if (++failedWatches == healAfterFailedWatches) {
                healAtNextKeepAlive = true;
            }
            return () -> {};
        }
        check();
        keepAlivesSinceHealAtLastWatch = keepAlivesSinceHeal;
        watchResumeRevisions.add(resume);
        this.onUpdate = onUpdate;
        this.onEnd = onEnd;
        return () -> {};
    }

    public synchronized int watches() {
        return watchResumeRevisions.size();
    }

    public synchronized List<Long> resumeRevisions() {
        return List.copyOf(watchResumeRevisions);
    }

    /** Sends an update down the open stream. */
    public synchronized void push(TopologyUpdate update) {
        onUpdate.accept(update);
    }

    /** Breaks the open stream, as a controller restart does. */
    public synchronized void breakStream() {
        Consumer<Throwable> end = onEnd;
        onEnd = null;
        onUpdate = null;
        end.accept(new AgentException(AgentException.Code.UNAVAILABLE, "stream broken", null));
    }

    @Override
    public FabricSettings fabric() {
        check();
        return registration.fabric();
    }

    /** When set, the controller has no record of any host (e.g. this one's subnet was reclaimed). */
    public volatile boolean recordGone;

    @Override
    public FabricHost host(HostId host) {
        check();
        if (recordGone) {
            throw new AgentException(AgentException.Code.NOT_FOUND, "no host " + host, null);
        }
        return new FabricHost(host, registration.self().underlayIp(), registration.self().subnet(), true);
    }

}
