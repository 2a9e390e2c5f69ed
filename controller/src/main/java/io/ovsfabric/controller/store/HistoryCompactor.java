package io.ovsfabric.controller.store;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps etcd's history to a time window, so that the store never reaches its space quota through us while an agent
 * that reconnects within the window still resumes from its revision (older resumes get a fresh snapshot). The
 * leading controller calls {@link #tick} periodically: each tick samples the current revision, and compacts to the
 * newest sampled revision that is older than the window. Not thread-safe: one scheduler thread.
 */
public final class HistoryCompactor {
    private static final Logger log = LoggerFactory.getLogger(HistoryCompactor.class);

    record Sample(long atMillis, long revision) {}

    private final KvStore store;
    private final Duration window;
    private final Clock clock;
    private final Deque<Sample> samples = new ArrayDeque<>();
    private long compactedTo;

    public HistoryCompactor(KvStore store, Duration window, Clock clock) {
        this.store = store;
        this.window = window;
        this.clock = clock;
    }

    /** Samples the revision and compacts when a sample has aged past the window; returns the revision compacted to. */
    public OptionalLong tick() {
        long now = clock.millis();
        samples.addLast(new Sample(now, store.revision()));
        OptionalLong due = due(samples, now, window.toMillis());
        if (due.isEmpty() || due.getAsLong() <= compactedTo) {
            return OptionalLong.empty();
        }
        store.compact(due.getAsLong());
        compactedTo = due.getAsLong();
        log.info("compacted etcd history to revision {} (keeping the last {})", compactedTo, window);
        return due;
    }

    /** Leadership lost: another controller's samples rule; start over if this one leads again. */
    public void reset() {
        samples.clear();
    }

    /** Pure: the newest revision sampled at least {@code windowMillis} ago; drops the samples it supersedes. */
    static OptionalLong due(Deque<Sample> samples, long nowMillis, long windowMillis) {
        Sample chosen = null;
        while (!samples.isEmpty() && nowMillis - samples.peekFirst().atMillis() >= windowMillis) {
            chosen = samples.pollFirst();
        }
        return chosen == null ? OptionalLong.empty() : OptionalLong.of(chosen.revision());
    }
}
