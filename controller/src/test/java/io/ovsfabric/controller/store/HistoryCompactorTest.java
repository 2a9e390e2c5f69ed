package io.ovsfabric.controller.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.testing.MutableClock;
import io.ovsfabric.controller.FabricException;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class HistoryCompactorTest {

    @Test
    void compactsOnlyWhatIsOlderThanTheWindow() {
        FakeKvStore store = new FakeKvStore();
        MutableClock clock = new MutableClock(java.time.Instant.parse("2026-12-01T00:00:00Z"));
        HistoryCompactor compactor = new HistoryCompactor(store, Duration.ofMinutes(10), clock);

        store.put("/a", "1");
        long early = store.revision();
        assertEquals(OptionalLong.empty(), compactor.tick());        // sampled, nothing old enough yet
        clock.advance(Duration.ofMinutes(5));
        store.put("/a", "2");
        long middle = store.revision();
        assertEquals(OptionalLong.empty(), compactor.tick());
        clock.advance(Duration.ofMinutes(5));
        store.put("/a", "3");
        assertEquals(OptionalLong.of(early), compactor.tick());      // the first sample is 10 min old now
        assertThrows(FabricException.class, () -> store.getPrefix("/", early));
        store.getPrefix("/", middle);                                // inside the window: still readable
        assertEquals(OptionalLong.empty(), compactor.tick());        // nothing newer aged out
        clock.advance(Duration.ofMinutes(5));
        assertEquals(OptionalLong.of(middle), compactor.tick());
    }

    @Test
    void resetForgetsSamplesTakenWhileLeading() {
        FakeKvStore store = new FakeKvStore();
        MutableClock clock = new MutableClock(java.time.Instant.parse("2026-12-01T00:00:00Z"));
        HistoryCompactor compactor = new HistoryCompactor(store, Duration.ofMinutes(1), clock);
        store.put("/a", "1");
        compactor.tick();
        compactor.reset();
        clock.advance(Duration.ofMinutes(2));
        assertTrue(compactor.tick().isEmpty());
    }
}
