package io.ovsfabric.common.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.HostId;
import io.ovsfabric.common.pki.JoinRefusedException.Reason;
import io.ovsfabric.common.testing.MutableClock;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JoinTokensTest {
    private static final HostId H7 = HostId.of("h7");
    private static final HostId H8 = HostId.of("h8");
    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final JoinTokens tokens = new JoinTokens(clock, new SecureRandom());

    @Test
    void aTokenIsPasteableAndTheRecordKeepsNoSecret() {
        JoinTokens.Issued issued = tokens.create(Duration.ofHours(1), Optional.of(H7));
        String text = issued.token().reveal();
        assertTrue(text.matches("[a-z0-9]{6}\\.[a-z0-9]{24}"), text);
        assertEquals(issued.token(), JoinToken.parse(text));
        assertFalse(issued.token().toString().contains(issued.token().secret()));
        assertFalse(issued.record().toString().contains(issued.token().secret()));
        assertEquals(issued.token().id(), issued.record().id());
        assertEquals(clock.instant().plus(Duration.ofHours(1)), issued.record().expiresAt());
        assertEquals(Optional.of(H7), issued.record().host());
        assertNotEquals(text, tokens.create(Duration.ofHours(1), Optional.empty()).token().reveal());
    }

    @Test
    void aSingleUseTokenAdmitsOnceThenIsUsedUp() {
        JoinTokens.Issued issued = tokens.create(Duration.ofHours(1), Optional.of(H7));
        JoinTokens.Admission first = tokens.admit(issued.record(), issued.token(), Optional.of(H7), newKey());
        assertEquals(H7, first.host());
        assertTrue(first.updated().usedUp());
        assertEquals(Reason.USED_UP, refused(first.updated(), issued.token(), Optional.of(H7)));
    }

    @Test
    void aTokenFailsAfterExpiry() {
        JoinTokens.Issued issued = tokens.create(Duration.ofHours(1), Optional.empty());
        clock.advance(Duration.ofMinutes(59));
        assertEquals(H8, tokens.admit(issued.record(), issued.token(), Optional.of(H8), newKey()).host());
        clock.advance(Duration.ofMinutes(1));
        assertEquals(Reason.EXPIRED, refused(issued.record(), issued.token(), Optional.of(H8)));
    }

    @Test
    void aWrongSecretOrIdIsRefusedWithoutSayingMore() {
        JoinTokens.Issued issued = tokens.create(Duration.ofHours(1), Optional.of(H7));
        String secret = issued.token().secret();
        String flipped = (secret.charAt(0) == 'a' ? "b" : "a") + secret.substring(1);
        JoinToken wrong = new JoinToken(issued.token().id(), flipped);
        assertEquals(Reason.WRONG_SECRET, refused(issued.record(), wrong, Optional.of(H7)));
        JoinRefusedException e = assertThrows(JoinRefusedException.class,
                () -> tokens.admit(issued.record(), wrong, Optional.of(H7), newKey()));
        assertFalse(e.getMessage().contains(flipped) || e.getMessage().contains(secret), e.getMessage());
        JoinToken otherId = new JoinToken("zzzzzz".equals(issued.token().id()) ? "yyyyyy" : "zzzzzz", secret);
        assertEquals(Reason.UNKNOWN_TOKEN, refused(issued.record(), otherId, Optional.of(H7)));
        // A wrong secret is refused even on an expired, used-up record: the secret is checked first.
        clock.advance(Duration.ofDays(1));
        assertEquals(Reason.WRONG_SECRET, refused(issued.record(), wrong, Optional.of(H7)));
    }

    @Test
    void aBoundTokenAdmitsOnlyItsHostAndAnUnboundOneNeedsAHostId() {
        JoinTokens.Issued bound = tokens.create(Duration.ofHours(1), Optional.of(H7));
        assertEquals(Reason.WRONG_HOST, refused(bound.record(), bound.token(), Optional.of(H8)));
        assertEquals(H7, tokens.admit(bound.record(), bound.token(), Optional.empty(), newKey()).host());

        JoinTokens.Issued unbound = tokens.create(Duration.ofHours(1), Optional.empty());
        assertEquals(Reason.HOST_REQUIRED, refused(unbound.record(), unbound.token(), Optional.empty()));
        assertThrows(PkiException.class, () -> tokens.create(Duration.ofHours(1), Optional.of(H7), 3));
    }

    @Test
    void aLimitedTokenAdmitsItsNumberOfJoins() {
        JoinTokens.Issued issued = tokens.create(Duration.ofHours(1), Optional.empty(), 3);
        JoinTokenRecord record = issued.record();
        for (String host : new String[] {"h1", "h2", "h3"}) {
            JoinTokens.Admission admission = tokens.admit(record, issued.token(), Optional.of(HostId.of(host)), newKey());
            assertEquals(HostId.of(host), admission.host());
            record = admission.updated();
        }
        assertEquals(3, record.uses());
        assertEquals(Reason.USED_UP, refused(record, issued.token(), Optional.of(HostId.of("h4"))));
    }

    @Test
    void ttlsAndTextsOutsideTheRulesAreRefused() {
        assertThrows(PkiException.class, () -> tokens.create(Duration.ofDays(8), Optional.empty()));
        assertThrows(PkiException.class, () -> tokens.create(Duration.ofSeconds(10), Optional.empty()));
        assertThrows(PkiException.class, () -> tokens.create(Duration.ofHours(1), Optional.empty(), 0));
        for (String text : new String[] {"", "abc.def", "ABCDEF.0123456789abcdefghijklmn",
            "abcdef0123456789abcdefghijklmn", "abcdef.0123456789abcdefghijklm!", "abcdef.0123456789abcdefghijklmno"}) {
            PkiException e = assertThrows(PkiException.class, () -> JoinToken.parse(text), text);
            assertFalse(!text.isEmpty() && e.getMessage().contains(text), e.getMessage());
        }
    }

    @Test
    void aJoinRepeatedWithTheSameKeyIsAdmittedAgainWithoutSpendingAUse() {
        JoinTokens.Issued issued = tokens.create(Duration.ofHours(1), Optional.of(H7));
        String key = newKey();
        JoinTokenRecord spent = tokens.admit(issued.record(), issued.token(), Optional.of(H7), key).updated();
        assertTrue(spent.usedUp());
        assertEquals(java.util.Map.of(key, H7), spent.admittedKeys());

        JoinTokens.Admission again = tokens.admit(spent, issued.token(), Optional.of(H7), key);
        assertTrue(again.repeat());
        assertEquals(H7, again.host());
        assertEquals(spent, again.updated(), "a repeat writes nothing back");
        assertEquals(H7, tokens.admit(spent, issued.token(), Optional.empty(), key).host());

        assertEquals(Reason.USED_UP, refused(spent, issued.token(), Optional.of(H7)), "another key");
        assertEquals(Reason.WRONG_HOST, assertThrows(JoinRefusedException.class,
                () -> tokens.admit(spent, issued.token(), Optional.of(H8), key)).reason());
        JoinToken wrong = new JoinToken(issued.token().id(), "a".repeat(JoinToken.SECRET_LENGTH));
        assertEquals(Reason.WRONG_SECRET, assertThrows(JoinRefusedException.class,
                () -> tokens.admit(spent, wrong, Optional.of(H7), key)).reason(), "the key alone admits nothing");
        clock.advance(Duration.ofHours(1));
        assertEquals(Reason.EXPIRED, assertThrows(JoinRefusedException.class,
                () -> tokens.admit(spent, issued.token(), Optional.of(H7), key)).reason());
    }

    @Test
    void aMultiUseTokenRepeatsEachKeysJoinAsItsOwnHost() {
        JoinTokens.Issued issued = tokens.create(Duration.ofHours(1), Optional.empty(), 2);
        String k1 = newKey();
        JoinTokenRecord record = tokens.admit(issued.record(), issued.token(), Optional.of(H7), k1).updated();
        JoinTokens.Admission repeat = tokens.admit(record, issued.token(), Optional.of(H7), k1);
        assertTrue(repeat.repeat());
        assertEquals(1, repeat.updated().uses(), "the repeat spent nothing");
        record = tokens.admit(record, issued.token(), Optional.of(H8), newKey()).updated();
        assertEquals(2, record.uses());
        assertEquals(H7, tokens.admit(record, issued.token(), Optional.empty(), k1).host());
    }

    private static String newKey() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return java.util.HexFormat.of().formatHex(bytes);
    }

    private Reason refused(JoinTokenRecord record, JoinToken token, Optional<HostId> host) {
        return assertThrows(JoinRefusedException.class, () -> tokens.admit(record, token, host, newKey())).reason();
    }
}
