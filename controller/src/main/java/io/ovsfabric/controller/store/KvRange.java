package io.ovsfabric.controller.store;

import java.util.List;

/** Keys read in one consistent range read, and the store revision of that read. */
public record KvRange(List<KeyValue> kvs, long revision) {
    public KvRange {
        kvs = List.copyOf(kvs);
    }
}
