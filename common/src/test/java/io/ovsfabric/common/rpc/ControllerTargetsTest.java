package io.ovsfabric.common.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.InvalidInputException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ControllerTargetsTest {

    @Test
    void parsesAListOfControllers() {
        ControllerTargets targets = ControllerTargets.parse("192.0.2.2:7070, 192.0.2.3:7071,[::1]:7072");
        assertEquals(List.of(new ControllerTargets.Target("192.0.2.2", 7070),
                new ControllerTargets.Target("192.0.2.3", 7071), new ControllerTargets.Target("::1", 7072)),
                targets.targets());
        assertEquals("192.0.2.2:7070,192.0.2.3:7071,[::1]:7072", targets.toString());
    }

    @Test
    void reportsEveryBadEntryAtOnce() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> ControllerTargets.parse("a:7070,,b,c:99999"));
        assertTrue(e.getMessage().contains("an empty entry"), e.getMessage());
        assertTrue(e.getMessage().contains("'b' is not HOST:PORT"), e.getMessage());
        assertTrue(e.getMessage().contains("'c:99999' has port '99999': use 1-65535"), e.getMessage());
        assertThrows(InvalidInputException.class, () -> ControllerTargets.parse(" "));
    }

    @Test
    void resolvesEveryAddressOnceAndSkipsNamesThatDoNotResolve() throws UnknownHostException {
        ControllerTargets targets = ControllerTargets.parse("127.0.0.1:7070,no-such-host.invalid:7070,127.0.0.1:7070,"
                + "127.0.0.2:7070");
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 7070), new InetSocketAddress("127.0.0.2", 7070)),
                targets.resolve());
        UnknownHostException none = assertThrows(UnknownHostException.class,
                () -> ControllerTargets.parse("no-such-host.invalid:1").resolve());
        assertTrue(none.getMessage().contains("no-such-host.invalid"), none.getMessage());
    }

    @Test
    void backoffGrowsWithJitterUpToItsCap() {
        Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5));
        long previousCeiling = 200;
        for (int i = 0; i < 12; i++) {
            long delay = backoff.next().toMillis();
            assertTrue(delay >= previousCeiling / 2 && delay <= previousCeiling, "try " + i + ": " + delay);
            previousCeiling = Math.min(5000, previousCeiling * 2);
        }
        backoff.reset();
        assertTrue(backoff.next().toMillis() <= 200);
    }
}
