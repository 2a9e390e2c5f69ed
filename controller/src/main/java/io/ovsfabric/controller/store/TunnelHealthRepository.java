package io.ovsfabric.controller.store;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.model.TunnelReport;
import io.ovsfabric.controller.store.Txn.Op;
import java.util.List;

/**
 * The tunnel-health aggregate: each host's last tunnel report ({@code tunnel-health/<host>}), bound to the host's
 * lease so that a dead host's report goes with it. The only place that knows these keys. Outside the watched topology
 * range (it sorts after {@code reports/}): no topology stream ever sees a report.
 */
public final class TunnelHealthRepository extends Repository {
    /** A stored report and its host. */
    public record Stored(HostId host, TunnelReport report) {}

    TunnelHealthRepository(KvStore store, KeyLayout keys, JsonCodec codec) {
        super(store, keys, codec);
    }

    /** Replaces a host's report, bound to its lease. */
    public void put(HostId host, TunnelReport report, long leaseId) {
        commit(TxnPart.then(Op.put(keys.tunnelHealth(host), codec.encode(report), leaseId)));
    }

    /** Every stored report (one range read), by host id. */
    public List<Stored> all() {
        return store.getPrefix(keys.tunnelHealthPrefix()).kvs().stream()
                .flatMap(kv -> keys.parse(kv.key()).stream().map(parsed -> new Stored(HostId.of(parsed.first()),
                        codec.decode(kv.key(), kv.value(), TunnelReport.class))))
                .toList();
    }
}
