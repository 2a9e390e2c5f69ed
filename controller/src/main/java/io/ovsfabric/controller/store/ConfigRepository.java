package io.ovsfabric.controller.store;

import io.ovsfabric.controller.model.FabricPlan;
import io.ovsfabric.controller.store.Txn.Cmp;
import io.ovsfabric.controller.store.Txn.Op;
import java.util.Optional;

/** The fabric plan ({@code config}): written once, create-if-absent, never rewritten. */
public final class ConfigRepository extends Repository {
    ConfigRepository(KvStore store, KeyLayout keys, JsonCodec codec) {
        super(store, keys, codec);
    }

    /** Where the plan is stored, for messages that tell an admin what to inspect. */
    public String location() {
        return keys.config();
    }

    public Optional<FabricPlan> find() {
        return store.get(keys.config()).map(kv -> codec.decode(kv.key(), kv.value(), FabricPlan.class));
    }

    /** Stores the plan if none is stored; false if another controller stored one first. */
    public boolean createIfAbsent(FabricPlan plan) {
        return commit(TxnPart.when(Cmp.absent(keys.config())), TxnPart.then(Op.put(keys.config(), codec.encode(plan))));
    }

    /** The store's current revision (read with the plan's key). */
    public long currentRevision() {
        return store.getPrefix(keys.config()).revision();
    }
}
