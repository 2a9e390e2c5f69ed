package io.ovsfabric.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HostIdTest {
    /** A DNS label, as a regex (the check is hand-written for speed; this says what it must mean). */
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    @Test
    void acceptsDnsLabels() {
        for (String ok : new String[] {"h1", "a", "7", "node-07", "a-b-c", "x".repeat(63)}) {
            assertEquals(ok, HostId.of(ok).value());
        }
    }

    @Test
    void refusesAnythingElseAndSaysWhatToUse() {
        for (String bad : new String[] {"-h1", "h1-", "H1", "h_1", "h.1", "h 1", "x".repeat(64), "é"}) {
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> HostId.of(bad), bad);
            assertTrue(e.getMessage().contains("use 1-63 lowercase letters, digits or '-'"), e.getMessage());
        }
        InvalidInputException empty = assertThrows(InvalidInputException.class, () -> HostId.of(""));
        assertTrue(empty.getMessage().contains("a host id is required"), empty.getMessage());
    }

    @Test
    void acceptsExactlyWhatTheRegexSaysOverRandomText() {
        Random random = new Random(7);
        String alphabet = "ab09-Z._";
        for (int i = 0; i < 100_000; i++) {
            int length = 1 + (i % 10 == 0 ? 60 + random.nextInt(6) : random.nextInt(6));
            StringBuilder text = new StringBuilder();
            for (int j = 0; j < length; j++) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String candidate = text.toString();
            boolean accepted;
            try {
                HostId.of(candidate);
                accepted = true;
            } catch (InvalidInputException e) {
                accepted = false;
            }
            assertEquals(LABEL.matcher(candidate).matches(), accepted, candidate);
        }
    }
}
