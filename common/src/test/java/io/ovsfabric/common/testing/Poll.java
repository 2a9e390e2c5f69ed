package io.ovsfabric.common.testing;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The one way tests wait for something (agent, controller, ctl and e2e): probe, pause briefly, probe again, until the
 * condition holds or the deadline passes. Tests never sleep a fixed time to wait for a condition. The pause starts at
 * 10 ms and grows to 250 ms, so a fast condition is seen at once and a slow one is not probed in a hot loop.
 */
public final class Poll {
    private static final Duration FIRST_PAUSE = Duration.ofMillis(10);
    private static final Duration MAX_PAUSE = Duration.ofMillis(250);

    private Poll() {}

    /** Waits until {@code condition} holds; past {@code timeout}, fails with {@code whatFailed}. */
    public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> whatFailed) {
        until(null, timeout, () -> condition.getAsBoolean() ? Optional.of(true) : Optional.empty(), whatFailed);
    }

    /** Waits until {@code condition} holds; past {@code timeout}, fails saying it was waiting for {@code what}. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(what, timeout, () -> condition.getAsBoolean() ? Optional.of(true) : Optional.empty(), () -> "");
    }

    /**
     * Returns the first present value of {@code probe}; past {@code timeout}, fails with {@code what} and the last
     * state that {@code lastState} describes.
     */
    public static <T> T until(String what, Duration timeout, Supplier<Optional<T>> probe, Supplier<String> lastState) {
        long end = System.nanoTime() + timeout.toNanos();
        Duration pause = FIRST_PAUSE;
        while (true) {
            Optional<T> value = probe.get();
            if (value.isPresent()) {
                return value.get();
            }
            if (System.nanoTime() - end > 0) {
                String state = lastState.get();
                throw new AssertionError("timed out after " + timeout + (what == null ? "" : " waiting for " + what)
                        + (state.isEmpty() ? "" : ": " + state));
            }
            pause(pause);
            pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
        }
    }

    /** Whether {@code condition} came to hold within {@code timeout} (for clean-up that then forces its way). */
    public static boolean within(Duration timeout, BooleanSupplier condition) {
        try {
            until(timeout, condition, () -> "");
            return true;
        } catch (AssertionError e) {
            return false;
        }
    }

    /** Sleeps {@code d} (a pacing pause, never a wait for a condition); an interrupt fails the test. */
    public static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
