package io.ovsfabric.controller.store;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.ipam.HostReport;
import io.ovsfabric.controller.store.Txn.Op;
import java.util.List;
import java.util.Optional;

/**
 * The report aggregate: what each host last reported having ({@code reports/<host>}), bound to the host's lease so
 * that a dead host's report goes with it. The only place that knows these keys. Reports are not topology: the
 * topology feed never sees them.
 */
public final class ReportRepository extends Repository {
    /** A stored report and the revision it was written at. */
    public record Stored(HostId host, HostReport report, long modRevision) {}

    ReportRepository(KvStore store, KeyLayout keys, JsonCodec codec) {
        super(store, keys, codec);
    }

    public Optional<HostReport> find(HostId host) {
        return store.get(keys.report(host)).map(kv -> codec.decode(kv.key(), kv.value(), HostReport.class));
    }

    /** Replaces a host's report, bound to its lease. */
    public void put(HostId host, HostReport report, long leaseId) {
        commit(TxnPart.then(Op.put(keys.report(host), codec.encode(report), leaseId)));
    }

    /** Every stored report, in key order. */
    public List<Stored> all() {
        return store.getPrefix(keys.reportsPrefix()).kvs().stream()
                .flatMap(kv -> keys.parse(kv.key()).stream().map(parsed -> new Stored(HostId.of(parsed.first()),
                        codec.decode(kv.key(), kv.value(), HostReport.class), kv.modRevision())))
                .toList();
    }
}
