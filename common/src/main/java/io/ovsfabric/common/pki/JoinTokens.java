package io.ovsfabric.common.pki;

import io.ovsfabric.common.HostId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * Makes join tokens and decides whether one admits a host: pure logic over {@link JoinTokenRecord}s, with the
 * clock and the random source passed in. Persisting the records (and making admission atomic) is the store's job.
 *
 * <p>A token bound to a host ({@code token create --host h7}) admits only that host: an agent that names no host
 * gets h7, one that names another host is refused. An unbound token admits the host the agent names; the
 * controller must still refuse a host id that another live host holds (a token is a right to join, not to take
 * over a host).
 */
public final class JoinTokens {
    /** {@code token create} without {@code --ttl}. */
    public static final Duration DEFAULT_TTL = Duration.ofHours(1);
    /** A join token is a bootstrap secret, not a credential to keep: longer-lived ones are refused. */
    public static final Duration MAX_TTL = Duration.ofDays(7);
    public static final Duration MIN_TTL = Duration.ofMinutes(1);
    private static final byte[] DOMAIN = "ovsfabric join token v1\0".getBytes(StandardCharsets.US_ASCII);

    private final Clock clock;
    private final SecureRandom random;

    public JoinTokens(Clock clock, SecureRandom random) {
        this.clock = clock;
        this.random = random;
    }

    /** A token and the record to store; show {@link JoinToken#reveal()} to the operator and store only the record. */
    public record Issued(JoinToken token, JoinTokenRecord record) {}

    /**
     * A join that was admitted: the host to certify, and the record to write back (compare on its revision).
     * {@code repeat}: the token had already admitted this very key (the agent's first answer was lost); certify it
     * again, and there is nothing to write back.
     */
    public record Admission(HostId host, JoinTokenRecord updated, boolean repeat) {}

    public Issued create(Duration ttl, Optional<HostId> host, int maxUses) {
        if (ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
            throw new PkiException("a join token's --ttl must be between " + MIN_TTL.toMinutes() + "m and "
                    + MAX_TTL.toDays() + "d, got " + ttl);
        }
        if (maxUses < 1) {
            throw new PkiException("a join token must allow at least one join, got " + maxUses);
        }
        if (host.isPresent() && maxUses != 1) {
            throw new PkiException("a token bound to host " + host.get() + " is single-use (one host joins once)");
        }
        JoinToken token = new JoinToken(randomText(JoinToken.ID_LENGTH), randomText(JoinToken.SECRET_LENGTH));
        Instant now = clock.instant();
        JoinTokenRecord record = new JoinTokenRecord(token.id(), hash(token), now, now.plus(ttl), host, maxUses, 0,
                Map.of());
        return new Issued(token, record);
    }

    /** A single-use token. */
    public Issued create(Duration ttl, Optional<HostId> host) {
        return create(ttl, host, 1);
    }

    /**
     * Whether {@code presented} admits a join as {@code requested} (the host id the agent says it is, if any), for
     * the key of {@code keyFingerprint} ({@link SigningRequest#keyFingerprint()}). The secret is compared in constant
     * time, before anything else, so that timing tells nothing about the record. A key the token already admitted
     * is admitted again as the same host, even when the token is used up: the request is signed by that key, so
     * only the agent that joined can repeat its join (after its answer was lost), and it gets nothing new.
     *
     * @throws JoinRefusedException saying why (for the log only)
     */
    public Admission admit(JoinTokenRecord record, JoinToken presented, Optional<HostId> requested,
            String keyFingerprint) {
        if (!record.id().equals(presented.id())) {
            throw new JoinRefusedException(JoinRefusedException.Reason.UNKNOWN_TOKEN, presented.id(),
                    "the stored record is token " + record.id());
        }
        boolean secretMatches = MessageDigest.isEqual(
                HexFormat.of().parseHex(record.secretHash()), HexFormat.of().parseHex(hash(presented)));
        if (!secretMatches) {
            throw new JoinRefusedException(JoinRefusedException.Reason.WRONG_SECRET, record.id(), "wrong secret");
        }
        Instant now = clock.instant();
        if (record.expired(now)) {
            throw new JoinRefusedException(JoinRefusedException.Reason.EXPIRED, record.id(),
                    "expired at " + record.expiresAt());
        }
        HostId admittedBefore = record.admittedKeys().get(keyFingerprint);
        boolean repeat = admittedBefore != null;
        if (!repeat && record.usedUp()) {
            throw new JoinRefusedException(JoinRefusedException.Reason.USED_UP, record.id(),
                    "already admitted " + record.uses() + " of " + record.maxUses() + " joins");
        }
        // a repeat is bound to the host its key joined as, as a bound token is to its host
        Optional<HostId> bound = repeat ? Optional.of(admittedBefore) : record.host();
        HostId host;
        if (bound.isPresent()) {
            host = bound.get();
            if (requested.isPresent() && !requested.get().equals(host)) {
                throw new JoinRefusedException(JoinRefusedException.Reason.WRONG_HOST, record.id(),
                        (repeat ? "this key joined as host " : "bound to host ") + host + ", asked for by host "
                                + requested.get());
            }
        } else {
            host = requested.orElseThrow(() -> new JoinRefusedException(JoinRefusedException.Reason.HOST_REQUIRED,
                    record.id(), "the token names no host and the agent did not say which host it is"));
        }
        return repeat ? new Admission(host, record, true)
                : new Admission(host, record.consumed(keyFingerprint, host), false);
    }

    /** The stored form of a token's secret: SHA-256 over a domain label, the id and the secret, in hex. */
    static String hash(JoinToken token) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(DOMAIN);
            sha.update(token.reveal().getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new PkiException("SHA-256 is not available", e);
        }
    }

    private String randomText(int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(JoinToken.ALPHABET.charAt(random.nextInt(JoinToken.ALPHABET.length())));
        }
        return text.toString();
    }
}
