package io.ovsfabric.controller.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.ovsfabric.common.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class SummaryLogTest {

    @Test
    void rareEventsAreInfoFrequentOnesOneInfoLineASecondWithTheirCount() {
        Logger logger = (Logger) LoggerFactory.getLogger("SummaryLogTest");
        logger.setLevel(Level.INFO);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        MutableClock clock = new MutableClock(Instant.parse("2026-12-02T00:00:00Z"));
        SummaryLog log = new SummaryLog(logger, clock);

        log.event("allocated {}", "10.90.0.2");
        clock.advance(Duration.ofMillis(100));
        log.event("allocated {}", "10.90.0.3");  // within the second: DEBUG only
        log.event("allocated {}", "10.90.0.4");
        clock.advance(Duration.ofMillis(900));
        log.event("allocated {}", "10.90.0.5");
        clock.advance(Duration.ofSeconds(5));
        log.event("allocated {}", "10.90.0.6");

        List<String> info = lines.list.stream().filter(e -> e.getLevel() == Level.INFO).map(ILoggingEvent::getFormattedMessage).toList();
        assertEquals(List.of("allocated 10.90.0.2", "allocated 10.90.0.5 (2 more since the last such line, at DEBUG)",
                "allocated 10.90.0.6"), info);
    }
}
