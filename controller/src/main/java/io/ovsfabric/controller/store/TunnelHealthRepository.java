package io.ovsfabric.controller.store;

import io.ovsfabric.common.HostId;
import io.ovsfabric.controller.model.TunnelReport;
import io.ovsfabric.controller.model.TunnelReport.State;
import io.ovsfabric.controller.store.Txn.Op;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The tunnel-health aggregate: each host's last tunnel states ({@code tunnel-health/<host>}), bound to the host's
 * lease so that a dead host's report goes with it. The only place that knows these keys. Outside the watched topology
 * range (it sorts after {@code reports/}): no topology stream ever sees a report.
 * <p>
 * etcd keeps the states, not the round trips: a healthy peer is its id alone, only a pending or broken one keeps its
 * details. A host of a 1,000-host mesh is then 8-12 KB (by the length of host ids) instead of 190 KB, so every host's record fits one range read
 * and the writes stay far below etcd's space quota (see docs/observability.md).
 */
public final class TunnelHealthRepository extends Repository {
    /**
     * A stored report and its host. The report is built from the stored states when asked for: a controller that
     * hears a host itself never needs it, and a thousand hosts' million peers are then only their (interned) ids.
     */
    public record Stored(HostId host, Lean lean) {
        /** When the controller that wrote it received it. */
        public long receivedAtMs() {
            return lean.receivedAtMs();
        }

        public TunnelReport report() {
            return lean.report();
        }
    }

    /**
     * The stored shape: {@code healthy} lists the healthy peers by id, {@code peers} the others in full. A record of
     * an older controller has every peer in {@code peers} and decodes the same.
     */
    record Lean(long receivedAtMs, int probeIntervalMs, int brokenAfter, List<String> healthy, List<TunnelReport.Peer> peers) {
        Lean {
            // the same thousand ids in every host's record: one copy of each
            healthy = healthy == null ? List.of() : healthy.stream().map(String::intern).toList();
            peers = peers == null ? List.of() : List.copyOf(peers);
        }

        static Lean of(TunnelReport report) {
            List<String> healthy = new ArrayList<>();
            List<TunnelReport.Peer> others = new ArrayList<>();
            for (TunnelReport.Peer p : report.peers()) {
                if (p.state() == State.HEALTHY) {
                    healthy.add(p.peer());
                } else {
                    others.add(p);
                }
            }
            return new Lean(report.receivedAtMs(), report.probeIntervalMs(), report.brokenAfter(), healthy, others);
        }

        /** Back to a report, peers by id; a healthy peer has no address, times or round trips (they were not kept). */
        TunnelReport report() {
            List<TunnelReport.Peer> all = new ArrayList<>(peers);
            for (String id : healthy) {
                all.add(new TunnelReport.Peer(id, "", State.HEALTHY, 0, 0, 0, 0, 0, 0));
            }
            all.sort(Comparator.comparing(TunnelReport.Peer::peer));
            return new TunnelReport(receivedAtMs, probeIntervalMs, brokenAfter, all);
        }
    }

    TunnelHealthRepository(KvStore store, KeyLayout keys, JsonCodec codec) {
        super(store, keys, codec);
    }

    /** Replaces a host's states, bound to its lease. */
    public void put(HostId host, TunnelReport report, long leaseId) {
        commit(TxnPart.then(Op.put(keys.tunnelHealth(host), encode(report), leaseId)));
    }

    /** What {@link #put} writes for this report (its size is what etcd stores and every read moves). */
    public String encode(TunnelReport report) {
        return codec.encode(Lean.of(report));
    }

    /** Every stored report (one range read), by host id: healthy peers without their round trips. */
    public List<Stored> all() {
        return store.getPrefix(keys.tunnelHealthPrefix()).kvs().stream()
                .flatMap(kv -> keys.parse(kv.key()).stream().map(parsed -> new Stored(HostId.of(parsed.first()),
                        codec.decode(kv.key(), kv.value(), Lean.class))))
                .toList();
    }
}
