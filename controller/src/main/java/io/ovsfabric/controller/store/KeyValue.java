package io.ovsfabric.controller.store;

/** One stored key. {@code leaseId} is 0 for keys without a lease. */
public record KeyValue(String key, String value, long createRevision, long modRevision, long leaseId) {}
