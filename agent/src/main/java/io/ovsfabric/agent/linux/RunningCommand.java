package io.ovsfabric.agent.linux;

import java.time.Duration;
import java.util.Optional;

/** A started command: its output so far, its end, and a way to stop it. Closing stops it. */
public interface RunningCommand extends AutoCloseable {

    long pid();

    boolean isAlive();

    /** Output captured so far. */
    String stdout();

    String stderr();

    /** Waits up to {@code timeout} for the command to end; empty when it is still running. */
    Optional<CommandResult> waitFor(Duration timeout);

    /** Asks it to stop (SIGTERM), then kills it if it has not ended within a short grace; returns its result. */
    CommandResult stop();

    @Override
    default void close() {
        stop();
    }
}
