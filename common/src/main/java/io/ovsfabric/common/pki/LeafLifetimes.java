package io.ovsfabric.common.pki;

import java.time.Duration;

/**
 * How long the fabric CA's leaf certificates live, per kind of identity. Short lifetimes are the fabric's
 * revocation: there is no CRL or OCSP; a host removed from the fabric stops being able to renew and its
 * certificate runs out (see docs/security.md).
 */
public record LeafLifetimes(Duration host, Duration controller, Duration admin) {
    /** Anything shorter leaves no room for renewal and clock skew. */
    public static final Duration MIN = Duration.ofMinutes(10);
    public static final LeafLifetimes DEFAULTS =
            new LeafLifetimes(Duration.ofDays(30), Duration.ofDays(30), Duration.ofDays(365));

    public LeafLifetimes {
        check("host", host);
        check("controller", controller);
        check("admin", admin);
    }

    public Duration of(Identity identity) {
        return switch (identity.kind()) {
            case HOST -> host;
            case CONTROLLER -> controller;
            case ADMIN -> admin;
        };
    }

    static void check(String what, Duration lifetime) {
        if (lifetime == null || lifetime.compareTo(MIN) < 0) {
            throw new PkiException("a " + what + " certificate lifetime must be at least " + MIN + ", got "
                    + lifetime);
        }
    }
}
