package io.ovsfabric.common.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.HostId;
import io.ovsfabric.common.testing.MutableClock;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RenewalPolicyTest {
    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private final RenewalPolicy policy = RenewalPolicy.DEFAULT;

    @Test
    void aThirtyDayCertificateRenewsAfterTwentyDays() {
        assertEquals(T0.plus(Duration.ofDays(20)), policy.renewAt(T0, T0.plus(Duration.ofDays(30))));
    }

    @Test
    void aLongCertificateRenewsByTheFractionAndAShortOneAtOnceWhenLessThanTheMarginRemains() {
        assertEquals(T0.plus(Duration.ofDays(240)), policy.renewAt(T0, T0.plus(Duration.ofDays(360))));
        // 9 days: 2/3 is day 6, but 7 days before the end (day 2) comes first.
        assertEquals(T0.plus(Duration.ofDays(2)), policy.renewAt(T0, T0.plus(Duration.ofDays(9))));
        // Shorter than the margin: due from the start.
        assertEquals(T0, policy.renewAt(T0, T0.plus(Duration.ofDays(3))));
        RenewalPolicy fractionOnly = new RenewalPolicy(0.5, Duration.ZERO);
        assertEquals(T0.plus(Duration.ofHours(1)), fractionOnly.renewAt(T0, T0.plus(Duration.ofHours(2))));
    }

    @Test
    void anIssuedCertificateIsDueOnItsClock() {
        MutableClock clock = new MutableClock(T0);
        FabricCa ca = FabricCa.create("lab", clock);
        X509Certificate cert = ca.issue(LeafSpec.of(Identity.host(HostId.of("h7"))), EcKeys.generate().getPublic());
        assertFalse(policy.shouldRenew(cert, clock));
        clock.advance(Duration.ofDays(19));
        assertFalse(policy.shouldRenew(cert, clock));
        assertTrue(policy.delayUntilRenewal(cert, clock).compareTo(Duration.ofDays(1)) < 0);
        clock.advance(Duration.ofDays(1));
        assertTrue(policy.shouldRenew(cert, clock));
        assertEquals(Duration.ZERO, policy.delayUntilRenewal(cert, clock));
        assertFalse(RenewalPolicy.expired(cert, clock));
        clock.advance(Duration.ofDays(11));
        assertTrue(RenewalPolicy.expired(cert, clock));
    }

    @Test
    void nonsenseFractionsAreRefused() {
        assertThrows(PkiException.class, () -> new RenewalPolicy(1.0, Duration.ZERO));
        assertThrows(PkiException.class, () -> new RenewalPolicy(0, Duration.ZERO));
        assertThrows(PkiException.class, () -> new RenewalPolicy(0.5, Duration.ofDays(-1)));
    }
}
