package io.ovsfabric.controller.topology;

import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.store.TopologyRepository;
import io.ovsfabric.controller.store.WatchCache;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Topology streams for watchers, all served from one in-memory view fed by the controller's {@link WatchCache}: a
 * snapshot at revision R then every change after R, in etcd order, each event carrying the revision it brings the
 * watcher to. The last {@code historyLimit} deltas are kept, shared by every stream, so a watcher resuming from
 * revision N gets exactly the changes after N when N is still covered, and a fresh snapshot otherwise (N older than
 * the history, from before this controller started, or compacted away).
 *
 * <p>Streams pull ({@link Subscription#next}): the feed keeps no per-stream queue, only each stream's position, and
 * tells a stream's {@link Sink} when there is more. A stream that falls behind the shared history (a slow or stuck
 * watcher) is sent a fresh snapshot when it can take one, so a slow watcher costs one position, never a growing
 * buffer. Snapshots are built once per revision and shared.
 */
public final class TopologyFeed implements WatchCache.Listener {
    private static final Logger log = LoggerFactory.getLogger(TopologyFeed.class);
    public static final int DEFAULT_HISTORY = 4096;
    /** A cached snapshot this many deltas old is rebuilt rather than followed by the deltas after it. */
    private static final int SNAPSHOT_REUSE_DELTAS = 64;
    private static final long NEEDS_SNAPSHOT = -1;
    /** A watcher behind by several deltas gets them as one message of at most this many changes. */
    static final int MAX_MERGED_CHANGES = 512;
    /**
     * Fan-out passes start at most this often, however few the streams: a busy fabric (hundreds of allocations a second)
     * is sent as merged deltas, at most 20 a second per stream, instead of one message per change. A change arriving
     * after a quiet spell goes out at once; under churn it waits at most the pass interval.
     */
    static final Duration PASS_INTERVAL = Duration.ofMillis(50);
    /**
     * The fan-out's message budget. A pass sends one message to every stream, and a message costs the controller (and
     * the agent) far more in gRPC and HTTP/2 work than the changes in it: with 1,000 streams, passes every 50 ms (20,000
     * messages a second) took most of both cores of a 2-core machine and cut AllocateAddress to a fifth of etcd's speed.
     * So passes are spaced to stay within this many messages a second: 50 ms up to 250 streams, 200 ms at 1,000.
     */
    static final int MESSAGES_PER_SECOND = 5_000;

    private final Duration grace;
    private final int historyLimit;
    private final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();

    // guarded by this
    private TopologyState state;
    private long revision;
    private long floor;
    private final TreeMap<Long, TopologyEvent> history = new TreeMap<>();
    private int resets;   // guarded by this
    private TopologyEvent snapshot;
    private int deltasSinceSnapshot;
    private FabricException stale;
    /** The revision the current fan-out pass delivers up to; later changes wait for the next pass. */
    private long passTarget;
    /** The current pass's merged deltas by the revision they start after: streams at one position share one. */
    private final Map<Long, TopologyEvent> mergedByFrom = new java.util.HashMap<>();
    private final java.util.concurrent.Executor fanOut;
    private final long minPassIntervalNanos;
    private final java.util.concurrent.atomic.AtomicBoolean wakePending = new java.util.concurrent.atomic.AtomicBoolean();
    private long lastPassNanos; // the fan-out thread's only

    /** Receives one watcher's wake-ups and its end. */
    public interface Sink {
        /** There may be new events: call {@link Subscription#next} until it returns null. Any thread, any time. */
        void onAvailable();

        /** The stream ended (the controller lost its etcd watch); the watcher should reconnect with its revision. */
        void onError(FabricException error);
    }

    public TopologyFeed(Duration grace) {
        this(grace, DEFAULT_HISTORY);
    }

    public TopologyFeed(Duration grace, int historyLimit) {
        this(grace, historyLimit, java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "topology-fan-out");
            thread.setDaemon(true);
            return thread;
        }), PASS_INTERVAL);
    }

    /** With the executor that wakes the streams ({@code Runnable::run} in tests: at once, on the writer's thread). */
    public TopologyFeed(Duration grace, int historyLimit, java.util.concurrent.Executor fanOut) {
        this(grace, historyLimit, fanOut, Duration.ZERO);
    }

    /**
     * As above; fan-out passes start at most every {@code passInterval} (changes arriving meanwhile wait and join the
     * next pass, so a busy fabric costs at most one message per stream per interval).
     */
    public TopologyFeed(Duration grace, int historyLimit, java.util.concurrent.Executor fanOut, Duration passInterval) {
        this.grace = grace;
        this.historyLimit = historyLimit;
        this.fanOut = fanOut;
        this.minPassIntervalNanos = passInterval.toNanos();
        this.lastPassNanos = System.nanoTime() - java.util.concurrent.TimeUnit.HOURS.toNanos(1); // the first pass never waits
    }

    /**
     * Starts a stream: from a snapshot ({@code resumeRevision} 0, or one the history no longer covers) or right after
     * {@code resumeRevision}. Call {@link Subscription#next} right away; close the subscription when the watcher goes
     * away. UNAVAILABLE while this controller's view does not follow etcd.
     */
    public Subscription subscribe(String watcher, long resumeRevision, Sink sink) {
        Subscription subscription;
        synchronized (this) {
            if (state == null || stale != null) {
                throw new FabricException(FabricException.Code.UNAVAILABLE, "controller's topology view does not follow etcd"
                        + " right now" + (stale == null ? " (still loading)" : " (" + stale.getMessage() + ")")
                        + ": retry, or use another controller");
            }
            boolean resumes = resumeRevision > 0 && resumeRevision >= floor;
            subscription = new Subscription(watcher, sink, resumes ? resumeRevision : NEEDS_SNAPSHOT);
            subscriptions.add(subscription);
            if (resumes) {
                log.info("topology watcher {} resumes after revision {}", watcher, resumeRevision);
            } else if (resumeRevision > 0) {
                log.info("topology watcher {} asked to resume after revision {}, older than this controller's history"
                        + " (from revision {}): sending a fresh snapshot", watcher, resumeRevision, floor);
            }
        }
        return subscription;
    }

    /** How many streams are open (for logs and tests). */
    public int streams() {
        return subscriptions.size();
    }

    /** How often the feed started over from a fresh load of the cache (its history then starts again). */
    public synchronized int resets() {
        return resets;
    }

    /** The revision the feed has applied. */
    public synchronized long revision() {
        return revision;
    }

    @Override
    public void onReset(TopologyRepository.Snapshot loaded) {
        synchronized (this) {
            state = new TopologyState(grace);
            state.load(loaded.entries());
            revision = loaded.revision();
            floor = revision;
            history.clear();
            resets++;
            passTarget = revision;
            mergedByFrom.clear();
            snapshot = null;
            stale = null;
        }
        wakeAll();
    }

    @Override
    public void onEntries(long rev, List<TopologyRepository.Entry> entries) {
        synchronized (this) {
            if (state == null) {
                return;
            }
            List<TopologyChange> changes = state.apply(entries);
            revision = rev;
            if (changes.isEmpty()) {
                return;
            }
            history.put(rev, TopologyEvent.delta(rev, changes));
            deltasSinceSnapshot++;
            while (history.size() > historyLimit) {
                floor = history.pollFirstEntry().getKey();
            }
        }
        wakeAll();
    }

    @Override
    public void onStale(FabricException error) {
        List<Subscription> ended;
        synchronized (this) {
            stale = error;
            ended = new ArrayList<>(subscriptions);
            subscriptions.clear();
        }
        if (!ended.isEmpty()) {
            log.warn("ending {} topology streams: {}; the watchers reconnect (to another controller if this one stays cut off)",
                    ended.size(), error.getMessage());
        }
        for (Subscription s : ended) {
            s.closed = true;
            s.sink.onError(error);
        }
    }

    /**
     * Wakes every stream from one fan-out thread. Wake-ups coalesce: while a pass runs (or waits for its turn, at most
     * one every {@link #passIntervalNanos}), further changes only ask for one more pass, and a stream that is several deltas behind gets them merged into one message, so a burst of
     * changes costs a message per stream per pass, not per change.
     */
    private void wakeAll() {
        if (!wakePending.compareAndSet(false, true)) {
            return;
        }
        try {
            fanOut.execute(() -> {
                long early = lastPassNanos + passIntervalNanos(minPassIntervalNanos, subscriptions.size()) - System.nanoTime();
                if (early > 0) {
                    // pacing, not waiting for a condition: changes arriving meanwhile join this pass
                    java.util.concurrent.locks.LockSupport.parkNanos(early);
                }
                wakePending.set(false);
                lastPassNanos = System.nanoTime();
                startPass();
                for (Subscription s : subscriptions) {
                    s.sink.onAvailable();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            wakePending.set(false);
        }
    }

    /**
     * The least time between the starts of two passes over {@code streams} streams: {@code minimumNanos}, or longer
     * when that would exceed {@link #MESSAGES_PER_SECOND}; 0 (no pacing, as in tests) stays 0.
     */
    static long passIntervalNanos(long minimumNanos, int streams) {
        if (minimumNanos <= 0) {
            return 0;
        }
        return Math.max(minimumNanos, streams * (1_000_000_000L / MESSAGES_PER_SECOND));
    }

    /** Stops the fan-out thread (the controller is stopping). */
    public void close() {
        if (fanOut instanceof java.util.concurrent.ExecutorService service) {
            service.shutdownNow();
        }
    }

    private synchronized TopologyEvent next(Subscription s) {
        if (s.closed || state == null) {
            return null;
        }
        if (s.position == NEEDS_SNAPSHOT || s.position < floor) {
            TopologyEvent shared = currentSnapshot();
            if (s.position != NEEDS_SNAPSHOT) {
                log.info("topology watcher {} fell behind this controller's history (at revision {}, history from {}):"
                        + " sending a fresh snapshot", s.watcher, s.position, floor);
            }
            s.position = shared.revision();
            return shared;
        }
        Map.Entry<Long, TopologyEvent> next = history.higherEntry(s.position);
        if (next == null || next.getKey() > passTarget) {
            return null; // the pass after these changes delivers them
        }
        long last = history.floorKey(passTarget);
        if (next.getKey() == last || next.getValue().changes().size() >= MAX_MERGED_CHANGES) {
            s.position = next.getKey();
            return next.getValue();
        }
        TopologyEvent merged = mergedByFrom.get(s.position);
        if (merged == null) {
            List<TopologyChange> changes = new ArrayList<>();
            long to = s.position;
            for (Map.Entry<Long, TopologyEvent> e : history.subMap(s.position, false, passTarget, true).entrySet()) {
                if (!changes.isEmpty() && changes.size() + e.getValue().changes().size() > MAX_MERGED_CHANGES) {
                    break;
                }
                changes.addAll(e.getValue().changes());
                to = e.getKey();
            }
            merged = TopologyEvent.delta(to, changes);
            mergedByFrom.put(s.position, merged);
        }
        s.position = merged.revision();
        return merged;
    }

    /**
     * A pass delivers the changes applied before it started, and no later ones: every stream that was at one position
     * reaches the same revision and shares one merged delta (encoded once), instead of streams drifting apart as
     * changes land mid-pass and each needing its own.
     */
    private synchronized void startPass() {
        passTarget = revision;
        mergedByFrom.clear();
    }

    /** The shared snapshot: rebuilt when the history no longer covers it or it is more than a few deltas old. */
    private TopologyEvent currentSnapshot() {
        if (snapshot == null || snapshot.revision() < floor || deltasSinceSnapshot > SNAPSHOT_REUSE_DELTAS) {
            snapshot = TopologyEvent.snapshot(revision, state.snapshot());
            deltasSinceSnapshot = 0;
        }
        return snapshot;
    }

    public final class Subscription implements AutoCloseable {
        private final String watcher;
        private final Sink sink;
        private long position; // guarded by the feed
        private volatile boolean closed;

        private Subscription(String watcher, Sink sink, long position) {
            this.watcher = watcher;
            this.sink = sink;
            this.position = position;
        }

        /** The next event for this watcher, or null when it is up to date (its sink is told when that changes). */
        public TopologyEvent next() {
            return TopologyFeed.this.next(this);
        }

        /** Sends this watcher a fresh snapshot next, instead of the deltas it missed. */
        public void resync() {
            synchronized (TopologyFeed.this) {
                position = NEEDS_SNAPSHOT;
            }
        }

        @Override
        public void close() {
            closed = true;
            subscriptions.remove(this);
        }
    }
}
