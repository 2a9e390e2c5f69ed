package io.ovsfabric.controller.store;

import io.ovsfabric.controller.FabricException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leases granted ahead of a burst of registrations, so that a registration costs one etcd transaction instead of a
 * lease grant and then the transaction. The pool fills only while registrations come often (a thousand hosts
 * reconnecting after a controller restart), in proportion to how often: a lone registration grants its own lease.
 * A lease is handed out at most an eighth of its TTL after it was granted (the agent's first two keep-alives, at a
 * third and two thirds of the TTL after its registration, still come before it expires); older ones are dropped
 * and expire by themselves (no key is bound to them).
 */
final class LeasePool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeasePool.class);
    /** The most leases kept ready. */
    static final int MAX_READY = 64;
    private static final long SECOND_NANOS = 1_000_000_000L;

    private record Granted(long id, long atNanos) {}

    private final KvStore store;
    private final Duration ttl;
    private final long maxAgeNanos;
    private final LongSupplier nanoTime;
    private final ExecutorService refills;

    // guarded by this
    private final ArrayDeque<Granted> ready = new ArrayDeque<>();
    private boolean refilling;
    private boolean closed;
    private long windowStart;
    private int takesThisWindow;
    private int takesLastWindow;

    LeasePool(KvStore store, Duration ttl) {
        this(store, ttl, System::nanoTime, Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "lease-pool");
            thread.setDaemon(true);
            return thread;
        }));
    }

    /** With the clock and the executor that grants ahead (tests: a manual clock, {@code Runnable::run}). */
    LeasePool(KvStore store, Duration ttl, LongSupplier nanoTime, ExecutorService refills) {
        this.store = store;
        this.ttl = ttl;
        this.maxAgeNanos = ttl.toNanos() / 8;
        this.nanoTime = nanoTime;
        this.refills = refills;
        this.windowStart = nanoTime.getAsLong();
    }

    /** The TTL of the leases this pool hands out. */
    Duration ttl() {
        return ttl;
    }

    /** A lease of {@link #ttl()}: a ready one if there is a fresh one, else one granted now. */
    long take() {
        Granted granted;
        synchronized (this) {
            long now = nanoTime.getAsLong();
            if (now - windowStart >= SECOND_NANOS) {
                takesLastWindow = now - windowStart >= 2 * SECOND_NANOS ? 0 : takesThisWindow;
                takesThisWindow = 0;
                windowStart = now;
            }
            takesThisWindow++;
            while (!ready.isEmpty() && now - ready.peekFirst().atNanos() > maxAgeNanos) {
                ready.pollFirst(); // too old to hand out: it expires by itself
            }
            granted = ready.pollFirst();
            refillIfNeeded();
        }
        return granted != null ? granted.id() : store.grantLease(ttl);
    }

    /** How many leases to keep ready: a quarter of the registrations of the last second, at most {@link #MAX_READY}. */
    private int wanted() {
        return Math.min(MAX_READY, Math.max(takesThisWindow, takesLastWindow) / 4);
    }

    /** Called holding the lock. */
    private void refillIfNeeded() {
        int missing = wanted() - ready.size();
        if (closed || refilling || missing <= 0 || ready.size() > wanted() / 2) {
            return;
        }
        refilling = true;
        try {
            refills.execute(() -> refill(missing));
        } catch (RejectedExecutionException e) {
            refilling = false;
        }
    }

    private void refill(int count) {
        try {
            long at = nanoTime.getAsLong();
            List<Long> ids = store.grantLeases(ttl, count);
            synchronized (this) {
                if (!closed) {
                    ids.forEach(id -> ready.addLast(new Granted(id, at)));
                }
            }
        } catch (FabricException e) {
            // registrations grant their own leases meanwhile; the next one tries to fill the pool again
            log.debug("could not grant {} leases ahead: {}", count, e.getMessage());
        } finally {
            synchronized (this) {
                refilling = false;
            }
        }
    }

    /** Leases ready now (tests). */
    synchronized int ready() {
        return ready.size();
    }

    /** Stops granting ahead; the leases still ready expire by themselves. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            ready.clear();
        }
        refills.shutdownNow();
    }
}
