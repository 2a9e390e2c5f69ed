package io.ovsfabric.controller.registry;

import java.time.Clock;
import org.slf4j.Logger;

/**
 * An INFO line per event while events are rare, one per second while they are frequent: the first event of each
 * second is logged at INFO with the count of the events since the previous INFO line, the others only at DEBUG.
 * (A burst of 1,000 allocations a second costs one line a second, not a thousand synchronous writes; a single
 * {@code docker run} still shows at INFO.) Events after the last INFO line of a burst are counted into the next one.
 */
final class SummaryLog {
    private static final long PERIOD_MS = 1000;

    private final Logger log;
    private final Clock clock;
    private long lastInfoMs = Long.MIN_VALUE; // guarded by this
    private long since;                       // guarded by this: events logged at DEBUG only since the last INFO

    SummaryLog(Logger log, Clock clock) {
        this.log = log;
        this.clock = clock;
    }

    /** Logs {@code message} (an SLF4J pattern with {@code args}) at INFO or, within a second of the last one, at DEBUG. */
    void event(String message, Object... args) {
        long more;
        synchronized (this) {
            long now = clock.millis();
            if (lastInfoMs != Long.MIN_VALUE && now - lastInfoMs < PERIOD_MS) {
                since++;
                more = -1;
            } else {
                more = since;
                since = 0;
                lastInfoMs = now;
            }
        }
        if (more < 0) {
            if (log.isDebugEnabled()) {
                log.debug(message, args);
            }
        } else if (more == 0) {
            log.info(message, args);
        } else {
            Object[] withCount = java.util.Arrays.copyOf(args, args.length + 1);
            withCount[args.length] = more;
            log.info(message + " ({} more since the last such line, at DEBUG)", withCount);
        }
    }
}
