package io.ovsfabric.controller.store;

import java.util.ArrayList;
import java.util.List;

/**
 * An all-or-nothing write: the operations apply only if every condition holds. Create-if-absent is
 * {@code Txn.when(Cmp.absent(k)).then(Op.put(k, v))}; compare-and-swap is {@code Cmp.modRevision(k, rev)}.
 */
public record Txn(List<Cmp> conditions, List<Op> operations) {

    public Txn {
        conditions = List.copyOf(conditions);
        operations = List.copyOf(operations);
    }

    public static Builder when(Cmp... conditions) {
        return new Builder(List.of(conditions));
    }

    public static final class Builder {
        private final List<Cmp> conditions;

        private Builder(List<Cmp> conditions) {
            this.conditions = new ArrayList<>(conditions);
        }

        public Builder and(Cmp condition) {
            conditions.add(condition);
            return this;
        }

        public Txn then(Op... operations) {
            return new Txn(conditions, List.of(operations));
        }

        public Txn then(List<Op> operations) {
            return new Txn(conditions, operations);
        }
    }

    /** A condition on one key. */
    public sealed interface Cmp permits Absent, ModRevision {
        String key();

        /** The key does not exist (etcd: create revision == 0). */
        static Cmp absent(String key) {
            return new Absent(key);
        }

        /** The key exists and was last written at exactly this revision. */
        static Cmp modRevision(String key, long revision) {
            return new ModRevision(key, revision);
        }
    }

    public record Absent(String key) implements Cmp {}

    public record ModRevision(String key, long revision) implements Cmp {}

    /** A write. */
    public sealed interface Op permits Put, Delete, DeletePrefix {
        static Op put(String key, String value) {
            return new Put(key, value, 0);
        }

        static Op put(String key, String value, long leaseId) {
            return new Put(key, value, leaseId);
        }

        static Op delete(String key) {
            return new Delete(key);
        }

        static Op deletePrefix(String prefix) {
            return new DeletePrefix(prefix);
        }
    }

    public record Put(String key, String value, long leaseId) implements Op {}

    public record Delete(String key) implements Op {}

    public record DeletePrefix(String prefix) implements Op {}
}
