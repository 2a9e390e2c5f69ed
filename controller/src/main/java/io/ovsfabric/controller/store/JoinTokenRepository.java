package io.ovsfabric.controller.store;

import io.ovsfabric.common.HostId;
import io.ovsfabric.common.pki.JoinTokenRecord;
import io.ovsfabric.controller.model.Versioned;
import io.ovsfabric.controller.store.Txn.Cmp;
import io.ovsfabric.controller.store.Txn.Op;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Join tokens ({@code tokens/<id>}): only the secret's hash (and the fingerprints of the keys it admitted) is
 * stored, under an etcd lease of the token's TTL, so an expired token disappears by itself. Spending a token is a
 * compare-and-set on the record's revision: two agents can never both spend a single-use token.
 */
public final class JoinTokenRepository extends Repository {
    /** The stored form (plain fields: readable with etcdctl). */
    record Stored(String id, String secretHash, long createdAtMs, long expiresAtMs, String host, int maxUses, int uses,
                  Map<String, String> admittedKeys) {
        static Stored of(JoinTokenRecord r) {
            Map<String, String> keys = new TreeMap<>();
            r.admittedKeys().forEach((key, admitted) -> keys.put(key, admitted.value()));
            return new Stored(r.id(), r.secretHash(), r.createdAt().toEpochMilli(), r.expiresAt().toEpochMilli(),
                    r.host().map(HostId::value).orElse(""), r.maxUses(), r.uses(), keys);
        }

        JoinTokenRecord record() {
            Map<String, HostId> keys = new TreeMap<>();
            // records written before keys were kept have none: a repeat of their joins is refused as before
            (admittedKeys == null ? Map.<String, String>of() : admittedKeys).forEach((key, admitted) ->
                    keys.put(key, HostId.of(admitted)));
            return new JoinTokenRecord(id, secretHash, Instant.ofEpochMilli(createdAtMs), Instant.ofEpochMilli(expiresAtMs),
                    host == null || host.isEmpty() ? Optional.empty() : Optional.of(HostId.of(host)), maxUses, uses, keys);
        }
    }

    JoinTokenRepository(KvStore store, KeyLayout keys, JsonCodec codec) {
        super(store, keys, codec);
    }

    /** Stores a new token's record; false if the id is taken (pick another). */
    public boolean create(JoinTokenRecord record, Duration ttl) {
        long lease = store.grantLease(ttl.plusSeconds(1));
        boolean created = commit(TxnPart.when(Cmp.absent(keys.token(record.id()))),
                TxnPart.then(Op.put(keys.token(record.id()), codec.encode(Stored.of(record)), lease)));
        if (!created) {
            store.revokeLease(lease);
        }
        return created;
    }

    public Optional<Versioned<JoinTokenRecord>> find(String id) {
        return store.get(keys.token(id)).map(kv -> {
            Versioned<Stored> stored = versioned(kv, Stored.class);
            return new Versioned<>(stored.value().record(), stored.modRevision());
        });
    }

    /**
     * Writes back a token after an admitted join, if nobody changed it since it was read; false when another join
     * won the race. A used-up token is kept (under its lease, so it still disappears when it expires): it answers a
     * repeat of a join it admitted.
     */
    public boolean spend(Versioned<JoinTokenRecord> read, JoinTokenRecord updated) {
        String key = keys.token(read.value().id());
        Op op = Op.put(key, codec.encode(Stored.of(updated)), store.get(key).map(KeyValue::leaseId).orElse(0L));
        return commit(TxnPart.when(Cmp.modRevision(key, read.modRevision())), TxnPart.then(op));
    }
}
