package io.ovsfabric.controller.web;

import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.topology.TopologyEvent;
import io.ovsfabric.controller.topology.TopologyFeed;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One topology stream for every browser: a single subscription to the controller's {@link TopologyFeed} drives a
 * {@link PageModel} on one thread, which renders the page's JSON after each batch of changes. Browsers never get a
 * queue of their own: each waits for a version newer than the one it has and is handed the latest, so a slow one
 * skips versions and costs nothing while it lags. When the feed ends or is not ready, the page says so and this
 * subscribes again (resuming after the revision it has).
 */
public final class PageFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PageFeed.class);
    private static final Duration RETRY = Duration.ofSeconds(1);

    /** One rendering of the page: its version (1, 2, ... in order) and the JSON of {@code /api/topology}. */
    public record Rendered(long version, String json) {}

    private final TopologyFeed feed;
    private final TunnelHealthSource health;
    private final String controllerId;
    private final Clock clock;
    private final ScheduledExecutorService worker;
    private final AtomicBoolean drainPending = new AtomicBoolean();
    private final AtomicBoolean renderPending = new AtomicBoolean();
    // worker thread only
    private final PageModel model = new PageModel();
    private TopologyFeed.Subscription subscription;
    private String stale = "the controller is still loading the topology from etcd";
    private boolean stopped;
    // guarded by this
    private Rendered current;

    public PageFeed(TopologyFeed feed, TunnelHealthSource health, String controllerId, Clock clock) {
        this.feed = feed;
        this.health = health;
        this.controllerId = controllerId;
        this.clock = clock;
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "page-feed");
            t.setDaemon(true);
            return t;
        });
        health.addListener(this::requestRender);
    }

    /** Renders the empty page and subscribes (retrying while the feed is not ready). */
    public PageFeed start() {
        run(() -> {
            render();
            subscribe();
        });
        return this;
    }

    /** The latest rendering (never null once {@link #start} ran its first step; null before). */
    public synchronized Rendered current() {
        return current;
    }

    /**
     * Waits until there is a rendering newer than {@code version}, at most {@code timeout}.
     *
     * @return the latest rendering, or null when none newer came in time (or the feed stopped)
     */
    public synchronized Rendered awaitNewer(long version, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (current == null || current.version() <= version) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return current;
    }

    private void subscribe() {
        if (stopped) {
            return;
        }
        try {
            subscription = feed.subscribe("topology page", model.revision(), new TopologyFeed.Sink() {
                @Override
                public void onAvailable() {
                    if (drainPending.compareAndSet(false, true)) {
                        run(PageFeed.this::drain);
                    }
                }

                @Override
                public void onError(FabricException error) {
                    run(() -> lost(error));
                }
            });
            stale = null;
            drain();
        } catch (FabricException e) {
            if (!e.getMessage().equals(stale)) {
                log.info("topology page: {}; retrying every {} s", e.getMessage(), RETRY.toSeconds());
            }
            stale = e.getMessage();
            render();
            retryLater();
        }
    }

    private void lost(FabricException error) {
        subscription = null;
        stale = error.getMessage();
        render();
        retryLater();
    }

    private void retryLater() {
        try {
            worker.schedule(this::subscribe, RETRY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    private void drain() {
        drainPending.set(false);
        if (subscription == null) {
            return;
        }
        boolean changed = false;
        for (TopologyEvent event = subscription.next(); event != null; event = subscription.next()) {
            model.apply(event, clock.millis());
            changed = true;
        }
        if (changed) {
            render();
        }
    }

    private void requestRender() {
        if (renderPending.compareAndSet(false, true)) {
            run(() -> {
                renderPending.set(false);
                render();
            });
        }
    }

    private void render() {
        String json = PageJson.encode(model.view(health, controllerId, stale));
        synchronized (this) {
            if (current == null || !current.json().equals(json)) {
                current = new Rendered(current == null ? 1 : current.version() + 1, json);
                notifyAll();
            }
        }
    }

    private void run(Runnable task) {
        try {
            worker.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("topology page: failed to follow the topology; subscribing again", e);
                    subscription = null;
                    retryLater();
                }
            });
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    @Override
    public void close() {
        run(() -> {
            stopped = true;
            if (subscription != null) {
                subscription.close();
            }
        });
        worker.shutdown();
        if (health instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                throw new IllegalStateException("tunnel health source did not close: " + e.getMessage(), e);
            }
        }
        synchronized (this) {
            notifyAll();
        }
    }
}
