package io.ovsfabric.agent.wiring;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.model.DataPlane;
import io.ovsfabric.agent.model.FabricView;
import io.ovsfabric.agent.model.LocalHost;
import io.ovsfabric.agent.model.Topology;
import io.ovsfabric.agent.model.TopologyUpdate;
import io.ovsfabric.agent.rpc.FabricClient;
import io.ovsfabric.agent.state.AgentState;
import io.ovsfabric.agent.state.AgentStateStore;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.rpc.Backoff;
import io.ovsfabric.common.Ipv4Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's two loops. The control loop registers, keeps the lease alive (re-registering when it is lost) and
 * keeps one topology watch open, resuming from the last applied revision. The reconcile loop makes the data plane
 * match the latest topology, when the topology changes and every {@code resyncPeriod}; failures are retried with
 * backoff. A connection to OVS that the switch ended (vswitchd or ovsdb-server restarted) starts a pass at once;
 * failed passes are retried from 200 ms doubling up to {@link #DATA_PLANE_MAX_BACKOFF} (the switch is local: it
 * answers again within seconds, and its flows must be back then, not at the next periodic pass), and after such a
 * loss the next {@link #PASSES_AFTER_LOSS} passes follow each other at {@link #DATA_PLANE_MAX_BACKOFF} (a vswitchd
 * that just started may still be opening ports when the first pass succeeds). The last topology is persisted, so a restarted agent rebuilds its data plane even while the controller is
 * unreachable, and keeps forwarding with it.
 */
public final class AgentRuntime implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentRuntime.class);

    public record Options(HostId host, Ipv4Address underlayIp, int underlayMtu, Map<String, String> capabilities,
            Duration resyncPeriod, Duration initialBackoff, Duration maxBackoff) {
        public static Options defaults(HostId host, Ipv4Address underlayIp, int underlayMtu,
                Map<String, String> capabilities) {
            // retries back off from 200 ms with jitter up to 2 s, so agents are attached again within a few seconds
            // of a controller coming back (a try that finds none costs a refused connection), and a thousand of
            // them do not come back in lock-step
            return new Options(host, underlayIp, underlayMtu, capabilities, Duration.ofSeconds(30),
                    Duration.ofMillis(200), Duration.ofSeconds(2));
        }
    }

    /** Longest pause between two failed reconcile passes; the controller's retries have their own backoff. */
    static final Duration DATA_PLANE_MAX_BACKOFF = Duration.ofSeconds(1);
    /** Passes run one after the other at that pause once OVS answers again after a lost connection. */
    static final int PASSES_AFTER_LOSS = 3;

    private final Options options;
    private final FabricClient client;
    private final DataPlane dataPlane;
    private final AgentStateStore store;

    private final Object lock = new Object();
    private LocalHost self;                 // guarded by lock
    private FabricView view;                // guarded by lock
    private FabricClient.Registration registration; // control thread only
    // written by the control thread (the last control call failed); read by the stream's callback, which leaves
    // the warning to the control loop while the controller is known to be away (one warning per retry, not two)
    private volatile boolean controllerWasLost;
    private AutoCloseable watch;            // guarded by lock; null when no stream is open
    private long appliedRevision = -1;      // reconcile thread only
    private long watchStartedAtNanos;       // guarded by lock
    private Duration watchBackoff = Duration.ZERO; // guarded by lock: grows while streams keep failing fast
    private String withdrawn;               // guarded by lock: why this host left the forwarding, or null

    private volatile int recheckPasses;     // passes still to run at a short pause after a lost OVS connection
    private final BlockingQueue<Boolean> reconcileWakeup = new ArrayBlockingQueue<>(1);
    private final BlockingQueue<Boolean> controlWakeup = new ArrayBlockingQueue<>(1);
    private final CountDownLatch ready = new CountDownLatch(1);
    private final List<Consumer<Topology>> listeners = new CopyOnWriteArrayList<>();
    private final List<CompletableFuture<Void>> passWaiters = new ArrayList<>(); // guarded by itself
    private volatile boolean running = true;
    private final Thread controlThread;
    private final Thread reconcileThread;

    public AgentRuntime(Options options, FabricClient client, DataPlane dataPlane, AgentStateStore store) {
        this.options = options;
        this.client = client;
        this.dataPlane = dataPlane;
        this.store = store;
        this.controlThread = new Thread(this::controlLoop, "control");
        this.reconcileThread = new Thread(this::reconcileLoop, "reconcile");
    }

    /** Loads the last known state (if it is this host's), then starts both loops. */
    public AgentRuntime start() {
        Optional<AgentState> saved = store.load();
        if (saved.isPresent() && saved.get().self().id().equals(options.host())) {
            synchronized (lock) {
                self = saved.get().self();
                view = saved.get().view();
            }
            log.info("Loaded last known topology of host {} (revision {}, {} hosts) from {}; applying it before the "
                    + "controller answers", options.host(), view.revision(), view.hosts().size(), store.file());
            wake(reconcileWakeup);
        }
        dataPlane.onConnectionLost(this::onDataPlaneConnectionLost);
        controlThread.start();
        reconcileThread.start();
        return this;
    }

    /**
     * Called on the reconcile thread after every pass that brought the data plane in line with a topology (also the
     * periodic ones): keep it short. A listener that throws is logged and called again next time.
     */
    public void onTopologyApplied(Consumer<Topology> listener) {
        listeners.add(listener);
    }

    /** OVS ended a connection (on an I/O thread): what the last pass applied may be gone, so a pass starts now. */
    private void onDataPlaneConnectionLost() {
        recheckPasses = PASSES_AFTER_LOSS;
        wake(reconcileWakeup);
    }

    /** Asks for a reconcile pass soon (e.g. the Docker plugin added an endpoint port that needs flows). */
    public void requestReconcile() {
        wake(reconcileWakeup);
    }

    /**
     * Asks for a pass now and returns when one that started after this call has ended: completed when the data plane
     * then matched the topology (and the inputs read at that pass, e.g. the Docker plugin's endpoints), failed with
     * the pass's exception otherwise. The caller bounds its wait; the reconcile thread never waits for it.
     */
    public CompletableFuture<Void> reconcileNow() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (Thread.currentThread() == reconcileThread) {
            done.completeExceptionally(new IllegalStateException("a pass cannot wait for a pass (called on the"
                    + " reconcile thread)"));
            return done;
        }
        if (!running) {
            done.completeExceptionally(new IllegalStateException("the agent is stopping"));
            return done;
        }
        synchronized (passWaiters) {
            passWaiters.add(done);
        }
        wake(reconcileWakeup);
        return done;
    }

    /** True once the data plane matched a topology for the first time in this run. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public Optional<Topology> currentTopology() {
        synchronized (lock) {
            if (self == null || view == null) {
                return Optional.empty();
            }
            Topology topology = view.topology(self);
            return Optional.of(withdrawn == null ? topology : topology.withoutPeers());
        }
    }

    // ---------------------------------------------------------------------------------------------- control loop

    private void controlLoop() {
        Backoff backoff = new Backoff(options.initialBackoff(), options.maxBackoff());
        while (running) {
            Duration pause;
            try {
                if (registration == null) {
                    register();
                }
                Duration watchWait = ensureWatch();
                client.keepAlive(options.host());
                backoff.reset();
                if (controllerWasLost) {
                    // a controller answers again: the stream that kept failing meanwhile opens now, not after its
                    // backoff (up to the maximum) has run out
                    controllerWasLost = false;
                    watchWait = reopenWatchNow();
                }
                pause = registration.leaseTtl().dividedBy(3);
                if (pause.isZero()) {
                    pause = Duration.ofSeconds(1);
                }
                if (!watchWait.isZero()) {
                    pause = min(pause, watchWait);
                }
            } catch (AgentException e) {
                pause = backoff.next();
                controllerWasLost = true;
                if (registration == null && e.code() == AgentException.Code.CONFLICT) {
                    withdrawIfSubnetWentElsewhere(e);
                }
                switch (e.code()) {
                    case LEASE_LOST -> {
                        log.warn("Host {}: {}; registering again", options.host(), e.getMessage());
                        registration = null;
                        pause = Duration.ZERO;
                    }
                    case INVALID, CONFLICT, REFUSED -> log.error("Host {}: {}. Fix this; retrying in {}s", options.host(),
                            e.getMessage(), pause.toSeconds());
                    default -> log.warn("Host {}: {}; keeping the last known topology, retrying in {} ms",
                            options.host(), e.getMessage(), pause.toMillis());
                }
            } catch (RuntimeException e) {
                pause = backoff.next();
                controllerWasLost = true;
                log.warn("Host {}: controller call failed unexpectedly ({}); retrying in {} ms", options.host(),
                        e.toString(), pause.toMillis());
            }
            await(controlWakeup, pause);
        }
    }

    private void register() {
        Optional<Cidr> held;
        synchronized (lock) {
            held = self == null ? Optional.empty() : Optional.of(self.subnet());
        }
        FabricClient.Registration r = client.register(options.host(), options.underlayIp(), options.underlayMtu(),
                options.capabilities(), held);
        synchronized (lock) {
            if (withdrawn != null) {
                log.info("Host {}: registered again with subnet {}; back in the fabric's forwarding", options.host(),
                        r.self().subnet());
                withdrawn = null;
            }
            boolean samePlan = view != null && view.fabric().fabricId().equals(r.fabric().fabricId());
            if (!samePlan && view != null) {
                log.warn("Host {}: the controller serves fabric {} but the saved topology is of fabric {}; "
                        + "starting over from a fresh snapshot", options.host(), r.fabric().fabricId(),
                        view.fabric().fabricId());
                closeWatch();
                view = null;
            }
            self = r.self();
        }
        registration = r;
        log.info("Host {} registered at underlay {}: subnet {}, gateway {}, MTU {}, lease TTL {}s", options.host(),
                options.underlayIp(), r.self().subnet(), r.self().gateway(), r.self().mtu(), r.leaseTtl().toSeconds());
        wake(reconcileWakeup);
    }

    /**
     * A refused registration while this host forwards a subnet: if the controller has no record of this host any
     * more, its subnet was reclaimed (the host was cut off longer than the grace) and given to another host. Two
     * hosts must never forward one range, so this one stops forwarding to its peers (its tunnels and their flows go)
     * until an operator brings it back with a new subnet. The controller's refusal says what to do.
     */
    private void withdrawIfSubnetWentElsewhere(AgentException refusal) {
        Cidr held;
        synchronized (lock) {
            if (self == null || withdrawn != null) {
                return;
            }
            held = self.subnet();
        }
        try {
            client.host(options.host());
            return;   // the controller still has our record: the refusal is about something else
        } catch (AgentException e) {
            if (e.code() != AgentException.Code.NOT_FOUND) {
                return;
            }
        }
        synchronized (lock) {
            withdrawn = refusal.getMessage();
        }
        log.error("Host {}: withdrawing subnet {} from the fabric's forwarding (no tunnels to peers) because {}",
                options.host(), held, refusal.getMessage());
        wake(reconcileWakeup);
    }

    /** As {@link #ensureWatch}, without waiting out the backoff of streams that failed while the controller was away. */
    private Duration reopenWatchNow() {
        synchronized (lock) {
            watchBackoff = Duration.ZERO;
        }
        return ensureWatch();
    }

    /** Opens the topology stream unless one is open; returns how long to wait before the next try, if any. */
    private Duration ensureWatch() {
        synchronized (lock) {
            if (watch != null) {
                return Duration.ZERO;
            }
            long sinceLast = System.nanoTime() - watchStartedAtNanos;
            if (watchStartedAtNanos != 0 && sinceLast < watchBackoff.toNanos()) {
                return Duration.ofNanos(watchBackoff.toNanos() - sinceLast);
            }
            watchStartedAtNanos = System.nanoTime();
            long resume = view == null ? 0 : view.revision();
            watch = client.watch(options.host(), resume, this::onUpdate, this::onWatchEnd);
            log.info("Host {}: following the topology {}", options.host(),
                    resume == 0 ? "from a fresh snapshot" : "from revision " + resume);
            return Duration.ZERO;
        }
    }

    private void onUpdate(TopologyUpdate update) {
        synchronized (lock) {
            FabricView next;
            if (view == null) {
                if (!(update instanceof TopologyUpdate.Snapshot snapshot)) {
                    return; // a delta without a base is meaningless; the stream always starts with a snapshot
                }
                next = FabricView.of(snapshot);
            } else {
                next = view.apply(update);
            }
            if (next == view) {
                return;
            }
            view = next;
            if (self != null) {
                try {
                    store.save(new AgentState(self, view));
                } catch (RuntimeException e) {
                    log.warn("Host {}: {}", options.host(), e.getMessage());
                }
            }
        }
        log.debug("Host {}: topology at revision {}", options.host(), update.revision());
        wake(reconcileWakeup);
    }

    private void onWatchEnd(Throwable cause) {
        synchronized (lock) {
            watch = null;
            // A stream that failed soon after it opened is retried later and later; a long-lived one at once.
            boolean failedFast = System.nanoTime() - watchStartedAtNanos < Duration.ofSeconds(10).toNanos();
            watchBackoff = failedFast ? min(max(watchBackoff.multipliedBy(2), options.initialBackoff()),
                    options.maxBackoff()) : Duration.ZERO;
        }
        if (running) {
            String reason = cause == null ? "cancelled" : cause.getMessage();
            if (controllerWasLost) {
                log.debug("Host {}: topology stream ended ({}) while the controller is away", options.host(), reason);
            } else {
                log.warn("Host {}: topology stream ended ({}); reconnecting", options.host(), reason);
            }
            wake(controlWakeup);
        }
    }

    private void closeWatch() {
        if (watch != null) {
            try {
                watch.close();
            } catch (Exception e) {
                log.debug("closing the topology watch", e);
            }
            watch = null;
        }
    }

    // -------------------------------------------------------------------------------------------- reconcile loop

    private void reconcileLoop() {
        Duration maxBackoff = min(options.maxBackoff(), DATA_PLANE_MAX_BACKOFF);
        Duration backoff = options.initialBackoff();
        Duration pause = options.resyncPeriod();
        String lastFailure = null;
        while (running) {
            await(reconcileWakeup, pause);
            if (!running) {
                failWaiters(takeWaiters(), new IllegalStateException("the agent is stopping"));
                return;
            }
            List<CompletableFuture<Void>> waiters = takeWaiters();   // before the pass reads its inputs
            Optional<Topology> topology = currentTopology();
            if (topology.isEmpty()) {
                failWaiters(waiters, new IllegalStateException("host " + options.host()
                        + " has no topology yet (not registered with the controller)"));
                pause = options.resyncPeriod();
                continue;
            }
            try {
                dataPlane.reconcile(topology.get());
                waiters.forEach(w -> w.complete(null));
                if (topology.get().revision() != appliedRevision) {
                    log.info("Host {}: data plane matches topology revision {} ({} peers)", options.host(),
                            topology.get().revision(), topology.get().peers().size());
                    appliedRevision = topology.get().revision();
                }
                if (ready.getCount() > 0) {
                    ready.countDown();
                    log.info("Host {}: ready (first full reconcile done)", options.host());
                }
                if (lastFailure != null) {
                    log.info("Host {}: reconcile succeeded again", options.host());
                    lastFailure = null;
                }
                backoff = options.initialBackoff();
                pause = options.resyncPeriod();
                if (recheckPasses > 0) {
                    recheckPasses--;
                    pause = maxBackoff;
                }
                notifyListeners(topology.get());
            } catch (RuntimeException e) {
                failWaiters(waiters, e);
                // one WARN per distinct failure: while OVS is down the pass is retried every second
                if (!String.valueOf(e.getMessage()).equals(lastFailure)) {
                    log.warn("Host {}: reconcile failed ({}); retrying in {} ms, then at most every {} ms",
                            options.host(), e.getMessage(), backoff.toMillis(), maxBackoff.toMillis());
                } else {
                    log.debug("Host {}: reconcile failed again ({})", options.host(), e.getMessage());
                }
                lastFailure = String.valueOf(e.getMessage());
                pause = backoff;
                backoff = min(backoff.multipliedBy(2), maxBackoff);
            }
        }
    }

    private List<CompletableFuture<Void>> takeWaiters() {
        synchronized (passWaiters) {
            List<CompletableFuture<Void>> taken = List.copyOf(passWaiters);
            passWaiters.clear();
            return taken;
        }
    }

    private static void failWaiters(List<CompletableFuture<Void>> waiters, Throwable cause) {
        waiters.forEach(w -> w.completeExceptionally(cause));
    }

    private void notifyListeners(Topology topology) {
        for (Consumer<Topology> listener : listeners) {
            try {
                listener.accept(topology);
            } catch (RuntimeException e) {
                log.warn("Host {}: topology listener failed ({}); it is called again at the next pass", options.host(),
                        e.toString());
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static void wake(BlockingQueue<Boolean> queue) {
        queue.offer(Boolean.TRUE); // full means a wake-up is already pending: coalesced
    }

    private void await(BlockingQueue<Boolean> queue, Duration timeout) {
        try {
            queue.poll(Math.max(timeout.toMillis(), 0), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Stops both loops; the data plane keeps forwarding with what it has (nothing is torn down). */
    @Override
    public void close() {
        running = false;
        synchronized (lock) {
            closeWatch();
        }
        controlThread.interrupt();
        reconcileThread.interrupt();
        try {
            controlThread.join(5_000);
            reconcileThread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failWaiters(takeWaiters(), new IllegalStateException("the agent is stopping"));
    }
}
