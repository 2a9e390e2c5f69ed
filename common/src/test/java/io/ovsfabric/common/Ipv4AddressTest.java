package io.ovsfabric.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class Ipv4AddressTest {
    /** What the parser accepts, said as a regex (the parser is hand-written for speed; this says what it must mean). */
    private static final Pattern DOTTED_QUAD = Pattern.compile("\\s*(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\s*");

    @Test
    void parsesDottedQuadsAndPrintsThemBack() {
        assertEquals("192.0.2.1", Ipv4Address.parse("192.0.2.1").toString());
        assertEquals("0.0.0.0", Ipv4Address.parse("0.0.0.0").toString());
        assertEquals("255.255.255.255", Ipv4Address.parse("255.255.255.255").toString());
        assertEquals(0xc0000201, Ipv4Address.parse("192.0.2.1").bits());
        assertEquals("10.0.0.7", Ipv4Address.parse(" 010.0.0.007\n").toString(), "surrounding blanks and leading zeros");
    }

    @Test
    void refusalsSayWhatIsWrong() {
        assertMessage("", "an IPv4 address is required");
        assertMessage("   ", "an IPv4 address is required");
        assertMessage("192.0.2", "'192.0.2' is not an IPv4 address (expected dotted quad");
        assertMessage("192.0.2.1.5", "(expected dotted quad");
        assertMessage("192.0.2.", "(each part is a number 0-255)");
        assertMessage("192..2.1", "(each part is a number 0-255)");
        assertMessage("192.0.2.a", "(each part is a number 0-255)");
        assertMessage("192.0.2.1000", "(each part is a number 0-255)");
        assertMessage("192.0.2.256", "(256 is above 255)");
        assertMessage("192.0.2.1 x", "(each part is a number 0-255)");
        assertMessage("192.0.2.-1", "(each part is a number 0-255)");
        assertMessage("١٩٢.0.2.1", "(each part is a number 0-255)"); // non-ASCII digits are not an address
    }

    @Test
    void acceptsExactlyWhatTheRegexSaysOverRandomText() {
        Random random = new Random(42);
        String alphabet = "0123456789..  x-/";
        for (int i = 0; i < 200_000; i++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(18);
            for (int j = 0; j < length; j++) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String candidate = i % 2 == 0 ? text.toString() : random.nextInt(300) + "." + random.nextInt(300) + "."
                    + random.nextInt(1000) + "." + text;
            var match = DOTTED_QUAD.matcher(candidate);
            boolean valid = match.matches() && octetsInRange(match);
            assertEquals(valid, Ipv4Address.isValid(candidate), "'" + candidate + "'");
        }
    }

    private static boolean octetsInRange(java.util.regex.Matcher match) {
        for (int g = 1; g <= 4; g++) {
            if (Integer.parseInt(match.group(g)) > 255) {
                return false;
            }
        }
        return true;
    }

    private static void assertMessage(String text, String expected) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Ipv4Address.parse(text), text);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
