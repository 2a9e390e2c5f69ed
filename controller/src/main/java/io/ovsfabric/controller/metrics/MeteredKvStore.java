package io.ovsfabric.controller.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ovsfabric.common.metrics.Registries;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.store.KeyValue;
import io.ovsfabric.controller.store.KvRange;
import io.ovsfabric.controller.store.KvStore;
import io.ovsfabric.controller.store.Txn;
import io.ovsfabric.controller.store.TxnResult;
import io.ovsfabric.controller.store.WatchListener;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * A {@link KvStore} that times every call of the one it wraps ({@code ovsfabric_controller_etcd_request_duration_seconds{op}})
 * and counts failures by op and code ({@code ovsfabric_controller_etcd_errors_total{op,code}}). A transaction whose
 * conditions did not hold is not an error. Watches count only their failures ({@code op="watch"}).
 */
public final class MeteredKvStore implements KvStore {
    private final KvStore delegate;
    private final MeterRegistry registry;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    public MeteredKvStore(KvStore delegate, MeterRegistry registry) {
        this.delegate = delegate;
        this.registry = registry;
    }

    @Override
    public Optional<KeyValue> get(String key) {
        return timed("get", () -> delegate.get(key));
    }

    @Override
    public KvRange getPrefix(String prefix) {
        return timed("range", () -> delegate.getPrefix(prefix));
    }

    @Override
    public KvRange getPrefix(String prefix, long revision) {
        return timed("range", () -> delegate.getPrefix(prefix, revision));
    }

    @Override
    public TxnResult commit(Txn txn) {
        return timed("txn", () -> delegate.commit(txn));
    }

    @Override
    public long grantLease(Duration ttl) {
        return timed("lease_grant", () -> delegate.grantLease(ttl));
    }

    @Override
    public List<Long> grantLeases(Duration ttl, int count) {
        return timed("lease_grant", () -> delegate.grantLeases(ttl, count));
    }

    @Override
    public long keepAliveOnce(long leaseId) {
        return timed("lease_keepalive", () -> delegate.keepAliveOnce(leaseId));
    }

    @Override
    public void revokeLease(long leaseId) {
        timed("lease_revoke", () -> {
            delegate.revokeLease(leaseId);
            return null;
        });
    }

    @Override
    public WatchHandle watch(String prefix, long fromRevision, WatchListener listener) {
        return timed("watch_open", () -> delegate.watch(prefix, fromRevision, counted(listener)));
    }

    @Override
    public WatchHandle watchRange(String fromKey, String toKey, long fromRevision, WatchListener listener) {
        return timed("watch_open", () -> delegate.watchRange(fromKey, toKey, fromRevision, counted(listener)));
    }

    @Override
    public void requestProgress() {
        delegate.requestProgress();
    }

    /** The listener as it is, plus a count of the watch's errors. */
    private WatchListener counted(WatchListener listener) {
        return new WatchListener() {
            @Override
            public void onEvents(long revision, List<io.ovsfabric.controller.store.KvEvent> events) {
                listener.onEvents(revision, events);
            }

            @Override
            public void onProgress(long revision) {
                listener.onProgress(revision);
            }

            @Override
            public void onCompacted(long compactRevision) {
                listener.onCompacted(compactRevision);
            }

            @Override
            public void onError(FabricException error) {
                errors("watch", error.code()).increment();
                listener.onError(error);
            }
        };
    }

    @Override
    public long revision() {
        return timed("revision", delegate::revision);
    }

    @Override
    public void compact(long revision) {
        timed("compact", () -> {
            delegate.compact(revision);
            return null;
        });
    }

    @Override
    public void close() {
        delegate.close();
    }

    private <T> T timed(String op, Supplier<T> call) {
        long start = System.nanoTime();
        try {
            return call.get();
        } catch (RuntimeException e) {
            errors(op, FabricException.codeOf(e)).increment();
            throw e;
        } finally {
            timer(op).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    private Timer timer(String op) {
        // looked up once per op: building a timer (its id, tags and buckets) on every etcd call was measurable
        return timers.computeIfAbsent(op, o -> Registries.latency("ovsfabric.controller.etcd.request.duration", "etcd calls of this controller, by operation")
                .tag("op", o).register(registry));
    }

    private Counter errors(String op, FabricException.Code code) {
        return Counter.builder("ovsfabric.controller.etcd.errors").description("etcd calls that failed, by operation and error code")
                .tags("op", op, "code", code.name().toLowerCase(Locale.ROOT)).register(registry);
    }
}
