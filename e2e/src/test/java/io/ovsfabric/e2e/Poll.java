package io.ovsfabric.e2e;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/** Waiting for a condition: probe, pause briefly, probe again, until it holds or the deadline passes. */
final class Poll {
    private Poll() {}

    /**
     * Returns the first present value of {@code probe}; fails with {@code what} and the last reason given by
     * {@code lastState} once {@code deadline} has passed.
     */
    static <T> T until(String what, Duration deadline, Supplier<Optional<T>> probe, Supplier<String> lastState) {
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            Optional<T> value = probe.get();
            if (value.isPresent()) {
                return value.get();
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("gave up after " + deadline.toSeconds() + "s waiting for: " + what
                        + "\nlast state: " + lastState.get());
            }
            pause(Duration.ofMillis(250));
        }
    }

    static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
