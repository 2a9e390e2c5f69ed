package io.ovsfabric.controller.metrics;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ovsfabric.common.metrics.Registries;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every gRPC call the controller serves, measured at the edge (no service code changes):
 * <ul>
 *   <li>{@code ovsfabric_controller_rpc_duration_seconds{service,method,code}}: unary calls, a histogram;</li>
 *   <li>{@code ovsfabric_controller_watchers}: topology streams (WatchTopology) open now, and
 *       {@code ovsfabric_controller_watch_streams_total{code}} for the ones that ended;</li>
 *   <li>{@code ovsfabric_controller_allocations_total{kind}} and
 *       {@code ovsfabric_controller_allocation_refusals_total{kind,reason}}: Register and ReserveHost (kind
 *       {@code subnet}) and AllocateAddress (kind {@code address}) granted, or refused with the gRPC code as reason
 *       ({@code resource_exhausted}, {@code already_exists}, {@code failed_precondition}, {@code invalid_argument} ...).</li>
 * </ul>
 */
public final class RpcMetrics implements ServerInterceptor {
    private static final Map<String, String> ALLOCATING = Map.of("Register", "subnet", "ReserveHost", "subnet",
            "AllocateAddress", "address");

    private final MeterRegistry registry;
    private final AtomicInteger watchers = new AtomicInteger();
    // meters looked up once per tag set: building one (id, tags, buckets) on every call was measurable at 1,000 hosts
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public RpcMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("ovsfabric.controller.watchers", watchers, AtomicInteger::get)
                .description("topology streams (agents and other watchers) this controller serves now").register(registry);
    }

    /** Topology streams open now. */
    public int watchers() {
        return watchers.get();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        MethodDescriptor<Q, R> method = call.getMethodDescriptor();
        String service = method.getServiceName() == null ? "" : method.getServiceName().replace("ovsfabric.v1.", "");
        String name = method.getBareMethodName() == null ? method.getFullMethodName() : method.getBareMethodName();
        boolean stream = method.getType() != MethodDescriptor.MethodType.UNARY;
        long start = System.nanoTime();
        AtomicBoolean done = new AtomicBoolean();
        if (stream) {
            watchers.incrementAndGet();
        }
        Runnable cancelled = () -> finish(done, stream, service, name, Status.Code.CANCELLED, start);
        ServerCall<Q, R> measured = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                finish(done, stream, service, name, status.getCode(), start);
                super.close(status, trailers);
            }
        };
        ServerCall.Listener<Q> listener;
        try {
            listener = next.startCall(measured, headers);
        } catch (RuntimeException e) {
            finish(done, stream, service, name, Status.Code.UNKNOWN, start);
            throw e;
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onCancel() {
                cancelled.run();
                super.onCancel();
            }
        };
    }

    private void finish(AtomicBoolean done, boolean stream, String service, String method, Status.Code code, long start) {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        String codeName = code.name().toLowerCase(Locale.ROOT);
        if (stream) {
            watchers.decrementAndGet();
            counters.computeIfAbsent("streams " + method + " " + codeName, k -> Counter.builder("ovsfabric.controller.watch.streams")
                    .description("topology streams that ended, by gRPC code").tags("method", method, "code", codeName)
                    .register(registry)).increment();
            return;
        }
        timers.computeIfAbsent(service + " " + method + " " + codeName, k -> Registries.latency("ovsfabric.controller.rpc.duration",
                "unary gRPC calls served, by service, method and code").tags("service", service, "method", method, "code", codeName)
                .register(registry)).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        String kind = ALLOCATING.get(method);
        if (kind == null) {
            return;
        }
        if (code == Status.Code.OK) {
            counters.computeIfAbsent("granted " + kind, k -> Counter.builder("ovsfabric.controller.allocations")
                    .description("subnets (Register, ReserveHost) and endpoint addresses (AllocateAddress) granted")
                    .tag("kind", kind).register(registry)).increment();
        } else {
            counters.computeIfAbsent("refused " + kind + " " + codeName, k -> Counter.builder("ovsfabric.controller.allocation.refusals")
                    .description("allocation calls refused, by the gRPC code as reason").tags("kind", kind, "reason", codeName)
                    .register(registry)).increment();
        }
    }
}
