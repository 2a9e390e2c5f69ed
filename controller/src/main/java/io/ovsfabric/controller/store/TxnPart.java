package io.ovsfabric.controller.store;

import java.util.ArrayList;
import java.util.List;

/**
 * The share of one repository in a transaction that another repository commits: conditions and writes on the
 * contributing repository's own keys. Callers outside this package only pass parts along; the committing
 * repository names the whole transaction (e.g. {@link EndpointRepository#allocate}), so its atomicity stays visible
 * in one method.
 */
public final class TxnPart {
    static final TxnPart NONE = new TxnPart(List.of(), List.of());

    private final List<Txn.Cmp> conditions;
    private final List<Txn.Op> operations;

    TxnPart(List<Txn.Cmp> conditions, List<Txn.Op> operations) {
        this.conditions = List.copyOf(conditions);
        this.operations = List.copyOf(operations);
    }

    static TxnPart when(Txn.Cmp... conditions) {
        return new TxnPart(List.of(conditions), List.of());
    }

    static TxnPart then(Txn.Op... operations) {
        return new TxnPart(List.of(), List.of(operations));
    }

    /** One transaction of all the parts' conditions and operations, in order. */
    static Txn join(TxnPart... parts) {
        List<Txn.Cmp> conditions = new ArrayList<>();
        List<Txn.Op> operations = new ArrayList<>();
        for (TxnPart part : parts) {
            conditions.addAll(part.conditions);
            operations.addAll(part.operations);
        }
        return new Txn(conditions, operations);
    }
}
