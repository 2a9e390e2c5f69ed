package io.ovsfabric.common.pki;

import io.ovsfabric.common.HostId;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the controller keeps of a join token (in etcd, keyed by {@link #id()}): never the secret, only its SHA-256
 * ({@code secretHash}, lowercase hex), when it was made and when it expires, the host it is bound to if any, and
 * how many joins it allows and has admitted, and for each admitted join the SHA-256 of the key it certified
 * ({@code admittedKeys}, key fingerprint to host: see {@link SigningRequest#keyFingerprint()}).
 *
 * <p>Limits: a token admits at most {@code maxUses} joins (1 by default: single-use) before {@code expiresAt}. The
 * store must make "admit and count" atomic: read the record at revision r, call {@link JoinTokens#admit}, and write
 * the returned record with a compare on revision r; a lost race is retried
 * from the read, so two agents can never both spend a single-use token. A used-up record is kept until it expires
 * (an etcd lease of the remaining TTL deletes it): an agent whose join answer was lost asks again with the same key,
 * and {@link JoinTokens#admit} answers that repeat without spending another use.
 */
public record JoinTokenRecord(String id, String secretHash, Instant createdAt, Instant expiresAt,
                              Optional<HostId> host, int maxUses, int uses, Map<String, HostId> admittedKeys) {
    public JoinTokenRecord {
        admittedKeys = Map.copyOf(admittedKeys);
        new JoinToken(id, "0".repeat(JoinToken.SECRET_LENGTH));   // validates the id
        if (secretHash == null || secretHash.length() != 64 || !secretHash.equals(secretHash.toLowerCase())) {
            throw new PkiException("join token " + id + ": secretHash must be 64 lowercase hex characters");
        }
        HexFormat.of().parseHex(secretHash);
        if (!expiresAt.isAfter(createdAt)) {
            throw new PkiException("join token " + id + ": expiresAt must be after createdAt");
        }
        if (maxUses < 1 || uses < 0 || uses > maxUses) {
            throw new PkiException("join token " + id + ": needs 1 <= maxUses and 0 <= uses <= maxUses, got "
                    + uses + "/" + maxUses);
        }
        if (admittedKeys.size() > uses) {
            throw new PkiException("join token " + id + ": " + admittedKeys.size() + " admitted keys for " + uses
                    + " use(s)");
        }
    }

    public boolean expired(Instant now) {
        return !now.isBefore(expiresAt);
    }

    public boolean usedUp() {
        return uses >= maxUses;
    }

    /** The record after one more admitted join, of {@code admitted} with the key of {@code keyFingerprint}. */
    JoinTokenRecord consumed(String keyFingerprint, HostId admitted) {
        Map<String, HostId> keys = new LinkedHashMap<>(admittedKeys);
        keys.put(keyFingerprint, admitted);
        return new JoinTokenRecord(id, secretHash, createdAt, expiresAt, host, maxUses, uses + 1, keys);
    }
}
