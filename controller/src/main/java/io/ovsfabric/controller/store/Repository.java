package io.ovsfabric.controller.store;

import io.ovsfabric.controller.model.Versioned;
import java.util.List;

/** What every repository of this package shares: the store, the key layout, the codec, and decoding with versions. */
abstract class Repository {
    final KvStore store;
    final KeyLayout keys;
    final JsonCodec codec;

    Repository(KvStore store, KeyLayout keys, JsonCodec codec) {
        this.store = store;
        this.keys = keys;
        this.codec = codec;
    }

    /** A stored value with the mod revision it was read at (the basis of compare-and-set). */
    <T> Versioned<T> versioned(KeyValue kv, Class<T> type) {
        return new Versioned<>(codec.decode(kv.key(), kv.value(), type), kv.modRevision());
    }

    <T> List<Versioned<T>> versioned(KvRange range, Class<T> type) {
        return range.kvs().stream().map(kv -> versioned(kv, type)).toList();
    }

    /** Commits the parts as one transaction; whether its conditions held. */
    boolean commit(TxnPart... parts) {
        return commitAt(parts).succeeded();
    }

    /** Commits the parts as one transaction; whether it applied and the revision etcd answered at. */
    TxnResult commitAt(TxnPart... parts) {
        return store.commit(TxnPart.join(parts));
    }
}
