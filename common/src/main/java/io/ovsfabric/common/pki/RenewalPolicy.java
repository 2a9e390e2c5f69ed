package io.ovsfabric.common.pki;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * When a holder should renew its certificate: once {@code fraction} of its lifetime has passed, or once no more
 * than {@code minRemaining} is left, whichever comes first. The default (2/3, 7 days) renews a 30-day host
 * certificate after 20 days, a 1-year admin certificate after about 8 months, and a short test certificate early
 * enough to retry. Pure: the clock is a parameter.
 */
public record RenewalPolicy(double fraction, Duration minRemaining) {
    public static final RenewalPolicy DEFAULT = new RenewalPolicy(2.0 / 3.0, Duration.ofDays(7));

    public RenewalPolicy {
        if (!(fraction > 0 && fraction < 1)) {
            throw new PkiException("the renewal fraction must be between 0 and 1 (exclusive), got " + fraction);
        }
        if (minRemaining.isNegative()) {
            throw new PkiException("minRemaining must not be negative, got " + minRemaining);
        }
    }

    /** The instant from which a certificate valid from {@code notBefore} to {@code notAfter} should be renewed. */
    public Instant renewAt(Instant notBefore, Instant notAfter) {
        Duration lifetime = Duration.between(notBefore, notAfter);
        Instant byFraction = notBefore.plusMillis((long) (lifetime.toMillis() * fraction));
        Instant byRemaining = notAfter.minus(minRemaining);
        Instant at = byFraction.isBefore(byRemaining) ? byFraction : byRemaining;
        return at.isBefore(notBefore) ? notBefore : at;
    }

    public Instant renewAt(X509Certificate cert) {
        return renewAt(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
    }

    public boolean shouldRenew(X509Certificate cert, Clock clock) {
        return !clock.instant().isBefore(renewAt(cert));
    }

    /**
     * How long to wait before renewing (zero when due). A renewal that fails is retried with backoff; once the
     * certificate has expired, renewal cannot work and the host needs a new join token.
     */
    public Duration delayUntilRenewal(X509Certificate cert, Clock clock) {
        Duration delay = Duration.between(clock.instant(), renewAt(cert));
        return delay.isNegative() ? Duration.ZERO : delay;
    }

    /** Whether the certificate is past its notAfter: renewal with it is impossible, rejoin with a token. */
    public static boolean expired(X509Certificate cert, Clock clock) {
        return clock.instant().isAfter(cert.getNotAfter().toInstant());
    }
}
