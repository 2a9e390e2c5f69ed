package io.ovsfabric.agent.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.ovsfabric.agent.model.DataPlane;
import io.ovsfabric.agent.plan.Change;
import io.ovsfabric.common.metrics.Registries;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The agent's meters. Names (Prometheus): {@code ovsfabric_agent_reconcile_passes_total{result}},
 * {@code ovsfabric_agent_reconcile_duration_seconds}, {@code ovsfabric_agent_reconcile_last_timestamp_seconds{result}},
 * {@code ovsfabric_agent_changes_applied_total{kind}}, {@code ovsfabric_agent_change_failures_total{kind}},
 * {@code ovsfabric_agent_flows}, {@code ovsfabric_agent_ports}, {@code ovsfabric_agent_tunnels},
 * {@code ovsfabric_agent_peers}, {@code ovsfabric_agent_topology_revision},
 * {@code ovsfabric_agent_plugin_calls_total{method,result}}, {@code ovsfabric_agent_dns_queries_total{result}} and
 * {@code ovsfabric_agent_dns_forwards_total{result}}. Every method is cheap and never throws: callers are the
 * reconcile thread, plugin workers and DNS event loops.
 */
public final class AgentMetrics {
    private final MeterRegistry registry;
    private final AtomicLong flows = new AtomicLong();
    private final AtomicLong ports = new AtomicLong();
    private final AtomicLong tunnels = new AtomicLong();
    private final AtomicLong peers = new AtomicLong();
    private final AtomicLong revision = new AtomicLong();
    private final AtomicLong lastOk = new AtomicLong();
    private final AtomicLong lastFailed = new AtomicLong();
    private final Timer passes;

    public AgentMetrics(MeterRegistry registry) {
        this.registry = registry;
        gauge("ovsfabric.agent.flows", flows, "flows the agent owns on its bridges (after the last good pass)");
        gauge("ovsfabric.agent.ports", ports, "OVS ports the agent owns (tunnels, docker0's veth, endpoint ports ...)");
        gauge("ovsfabric.agent.tunnels", tunnels, "peers br0 forwards to through GRE (distinct tunnel destinations)");
        gauge("ovsfabric.agent.peers", peers, "peer hosts in the applied topology");
        gauge("ovsfabric.agent.topology.revision", revision, "etcd revision of the topology the last good pass applied");
        Gauge.builder("ovsfabric.agent.reconcile.last.timestamp.seconds", lastOk, v -> v.get() / 1000.0)
                .description("when the last reconcile pass of this result ended (unix seconds; 0: never)")
                .tag("result", "ok").register(registry);
        Gauge.builder("ovsfabric.agent.reconcile.last.timestamp.seconds", lastFailed, v -> v.get() / 1000.0)
                .description("when the last reconcile pass of this result ended (unix seconds; 0: never)")
                .tag("result", "failed").register(registry);
        passes = Registries.latency("ovsfabric.agent.reconcile.duration", "reconcile passes (observe, plan, apply)")
                .register(registry);
        passCounter("ok");
        passCounter("failed");
        // present from the start (0), so a dashboard or an alert finds them before the first query
        for (String result : new String[] {"fabric", "forwarded"}) {
            Counter.builder("ovsfabric.agent.dns.queries").description("DNS queries, by who answered")
                    .tag("result", result).register(registry);
        }
        for (String result : new String[] {"ok", "failed"}) {
            Counter.builder("ovsfabric.agent.dns.forwards").description("DNS queries relayed to the host's resolvers, by outcome")
                    .tag("result", result).register(registry);
        }
    }

    /** Counts and records nothing (tests, commands that serve no metrics). */
    public static AgentMetrics none() {
        return new AgentMetrics(new CompositeMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The data plane, measured: every pass timed and counted, owned objects and peers after a good pass. */
    public DataPlane meter(DataPlane dataPlane) {
        return new MeteredDataPlane(dataPlane, this);
    }

    void pass(long nanos, boolean ok, long endedAtMs) {
        passes.record(nanos, TimeUnit.NANOSECONDS);
        passCounter(ok ? "ok" : "failed").increment();
        (ok ? lastOk : lastFailed).set(endedAtMs);
    }

    void applied(long topologyRevision, int peerCount, DataPlane.Owned owned) {
        revision.set(topologyRevision);
        peers.set(peerCount);
        if (owned != null) {
            flows.set(owned.flows());
            ports.set(owned.ports());
            tunnels.set(owned.tunnels());
        }
    }

    /** One change of a pass applied ({@code kind}: EnsurePort, UpdateFlows, SyncFilter ...). */
    public void changeApplied(Change change) {
        Counter.builder("ovsfabric.agent.changes.applied").description("changes applied to the host, by kind")
                .tag("kind", change.getClass().getSimpleName()).register(registry).increment();
    }

    /** One change of a pass failed (the pass stops there and is retried). */
    public void changeFailed(Change change) {
        Counter.builder("ovsfabric.agent.change.failures").description("changes that failed, by kind")
                .tag("kind", change.getClass().getSimpleName()).register(registry).increment();
    }

    /**
     * One Docker plugin call.
     *
     * @param path   the plugin API path, e.g. {@code /NetworkDriver.Join}
     * @param result {@code ok}, {@code refused} (Docker sees an Err) or {@code error} (failed unexpectedly)
     */
    public void pluginCall(String path, String result) {
        String method = path.startsWith("/") ? path.substring(1) : path;
        if (method.isEmpty() || method.length() > 64 || !method.matches("[A-Za-z.]+")) {
            method = "other";   // unknown paths must not grow the label set
        }
        Counter.builder("ovsfabric.agent.plugin.calls").description("Docker plugin calls, by method and result")
                .tags("method", method, "result", result).register(registry).increment();
    }

    /** One DNS query: {@code fabric} (answered from the topology) or {@code forwarded} (relayed upstream). */
    public void dnsQuery(String result) {
        Counter.builder("ovsfabric.agent.dns.queries").description("DNS queries, by who answered")
                .tag("result", result).register(registry).increment();
    }

    /** One relayed DNS query: {@code ok} or {@code failed} (no upstream answered; the asker got SERVFAIL). */
    public void dnsForward(boolean ok) {
        Counter.builder("ovsfabric.agent.dns.forwards").description("DNS queries relayed to the host's resolvers, by outcome")
                .tag("result", ok ? "ok" : "failed").register(registry).increment();
    }

    private Counter passCounter(String result) {
        return Counter.builder("ovsfabric.agent.reconcile.passes").description("reconcile passes, by result")
                .tag("result", result).register(registry);
    }

    private void gauge(String name, AtomicLong value, String description) {
        Gauge.builder(name, value, AtomicLong::get).description(description).register(registry);
    }
}
