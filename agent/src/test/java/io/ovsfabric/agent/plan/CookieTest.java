package io.ovsfabric.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class CookieTest {
    @Test
    void everyCategoryHasItsOwnCodeAndAMeaning() {
        java.util.Set<Integer> codes = new java.util.HashSet<>();
        for (FlowCategory category : FlowCategory.values()) {
            assertTrue(codes.add(category.code()), "code " + category.code() + " used twice (" + category + ")");
            assertFalse(category.meaning().isBlank(), category + " has no meaning text");
            assertEquals(category, FlowCategory.ofCode(category.code()));
        }
        assertTrue(FlowCategory.NETWORK_ISOLATION.meaning().startsWith("different network"));
    }

    @Test
    void layoutIsTagCategoryRound() {
        assertEquals(0x0fab_03_0001_000000L, new Cookie(FlowCategory.PEER_TUNNEL, 1).value());
        assertEquals(0x0fab_05_ffff_000000L, new Cookie(FlowCategory.UNDERLAY, 65535).value());
        assertEquals("0xfab030001000000", new Cookie(FlowCategory.PEER_TUNNEL, 1).toString());
    }

    @Test
    void parsesOnlyOurCookies() {
        Cookie cookie = new Cookie(FlowCategory.LOCAL_DELIVERY, 300);
        assertEquals(Optional.of(cookie), Cookie.parse(cookie.value()));
        assertTrue(Cookie.isOurs(cookie.value()));
        assertFalse(Cookie.isOurs(0x1234));
        assertEquals(Optional.empty(), Cookie.parse(0));
        assertEquals(Optional.empty(), Cookie.parse(0x0fab_77_0001_000000L), "unknown category");
    }

    @Test
    void roundsCountUpAndWrapSkippingZero() {
        assertEquals(1, Cookie.nextRound(0));
        assertEquals(2, Cookie.nextRound(1));
        assertEquals(1, Cookie.nextRound(65535));
        assertThrows(IllegalArgumentException.class, () -> new Cookie(FlowCategory.CLASSIFIER, 0));
    }
}
