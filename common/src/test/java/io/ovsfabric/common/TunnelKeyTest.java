package io.ovsfabric.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TunnelKeyTest {

    @Test
    void wireIntsAreReadUnsigned() {
        assertEquals(2147483648L, TunnelKey.fromWire(0x80000000).value());
        assertEquals(4294967295L, TunnelKey.fromWire(0xffffffff).value());
        assertEquals(4294967295L, TunnelKey.fromWire(-1).value());
        assertEquals(1L, TunnelKey.fromWire(1).value());
        assertEquals(0L, TunnelKey.fromWire(0).value());
    }

    @Test
    void wireRoundTripKeepsEveryBit() {
        for (long v : new long[] {0, 1, 4096, 0x7fffffffL, 0x80000000L, 0xfffffffeL, 0xffffffffL}) {
            TunnelKey key = TunnelKey.of(v);
            assertEquals(key, TunnelKey.fromWire(key.toWire()), Long.toString(v));
        }
        assertEquals(-1, TunnelKey.of(4294967295L).toWire());
        assertEquals(Integer.MIN_VALUE, TunnelKey.of(0x80000000L).toWire());
    }

    @Test
    void printsUnsignedDecimalAndHex() {
        assertEquals("4294967295", TunnelKey.of(0xffffffffL).toString());
        assertEquals("2147483648", TunnelKey.of(0x80000000L).toString());
        assertEquals("0xffffffff", TunnelKey.of(0xffffffffL).hex());
        assertEquals("0x80000000", TunnelKey.of(0x80000000L).hex());
        assertEquals("0x1", TunnelKey.of(1).hex());
    }

    @Test
    void parsesDecimalAndHex() {
        assertEquals(TunnelKey.of(4294967295L), TunnelKey.parse("4294967295"));
        assertEquals(TunnelKey.of(4294967295L), TunnelKey.parse("0xffffffff"));
        assertEquals(TunnelKey.of(4096), TunnelKey.parse(" 4096 "));
    }

    @Test
    void refusesWhatIsNot32BitUnsigned() {
        for (long bad : new long[] {-1, 4294967296L, Long.MIN_VALUE, Long.MAX_VALUE}) {
            assertThrows(InvalidInputException.class, () -> TunnelKey.of(bad), Long.toString(bad));
        }
        for (String bad : new String[] {"", "-1", "4294967296", "0x100000000", "key", "0x"}) {
            assertThrows(InvalidInputException.class, () -> TunnelKey.parse(bad), bad);
        }
    }

    @Test
    void ordersAsUnsigned() {
        assertEquals(-1, Integer.signum(TunnelKey.of(0x7fffffffL).compareTo(TunnelKey.of(0x80000000L))));
    }
}
