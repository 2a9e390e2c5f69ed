package io.ovsfabric.common.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;

/**
 * The one way the apps make their Prometheus registry and their latency timers, so every histogram has the same
 * buckets. Micrometer names {@code ovsfabric.agent.reconcile.duration} as {@code ovsfabric_agent_reconcile_duration_seconds}
 * and adds {@code _total} to counters.
 */
public final class Registries {
    /** Buckets of every latency histogram: 1 ms to 10 s. */
    public static final Duration[] LATENCY_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
            Duration.ofSeconds(10)};

    private Registries() {
    }

    /** A registry with {@code ovsfabric_build_info{app,version} 1}. */
    public static PrometheusMeterRegistry prometheus(String app, String version) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Gauge.builder("ovsfabric.build.info", () -> 1).description("the running ovsfabric app and its version")
                .tags("app", app, "version", version).strongReference(true).register(registry);
        return registry;
    }

    /** A latency timer builder with the fabric's buckets (a Prometheus histogram). */
    public static Timer.Builder latency(String name, String description) {
        return Timer.builder(name).description(description).serviceLevelObjectives(LATENCY_BUCKETS)
                .minimumExpectedValue(LATENCY_BUCKETS[0]).maximumExpectedValue(LATENCY_BUCKETS[LATENCY_BUCKETS.length - 1]);
    }
}
