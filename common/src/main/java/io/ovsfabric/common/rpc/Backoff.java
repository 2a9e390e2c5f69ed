package io.ovsfabric.common.rpc;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full-range jitter between half and the whole of the current step, capped, so that many
 * clients that lost the same controller do not come back in lock-step. Not thread-safe: one per retry loop.
 */
public final class Backoff {
    private final long initialMillis;
    private final long capMillis;
    private long stepMillis;

    public Backoff(Duration initial, Duration cap) {
        if (initial.isNegative() || initial.isZero() || cap.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= cap, got " + initial + " and " + cap);
        }
        this.initialMillis = initial.toMillis();
        this.capMillis = cap.toMillis();
        this.stepMillis = initialMillis;
    }

    /** The delay before the next try: in [step/2, step], then the step doubles up to the cap. */
    public Duration next() {
        long step = stepMillis;
        stepMillis = Math.min(capMillis, stepMillis * 2);
        long low = Math.max(1, step / 2);
        return Duration.ofMillis(low + ThreadLocalRandom.current().nextLong(step - low + 1));
    }

    /** After a success: the next failure starts again from the initial step. */
    public void reset() {
        stepMillis = initialMillis;
    }
}
