package io.ovsfabric.controller.store;

/** A change seen by a watch. For a DELETE, {@code kv} carries the key and the deletion revision, no value. */
public record KvEvent(Type type, KeyValue kv) {
    public enum Type { PUT, DELETE }
}
