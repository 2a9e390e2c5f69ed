package io.ovsfabric.controller.cli;

import io.ovsfabric.controller.ipam.PlanRequest;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything {@code serve} needs, validated by the command.
 *
 * @param etcdEndpoints  etcd client URLs
 * @param listenHost     address the gRPC server binds
 * @param listenPort     port (0 picks a free one: tests)
 * @param plan           the fabric plan flags (null fields: adopt the stored value)
 * @param keyPrefix      etcd key prefix
 * @param controllerId   this controller's name in logs, live keys and the leader election
 * @param historyWindow  how much etcd history the leader keeps (older revisions are compacted away)
 * @param security       TLS of the gRPC server and of etcd ({@link ControllerSecurity#insecure()}: plaintext)
 * @param metricsListen  where {@code /metrics} is served (Prometheus text); empty: nowhere
 * @param httpListen     where the live topology page, its JSON and {@code /metrics} are served; empty: nowhere
 */
public record ControllerConfig(List<String> etcdEndpoints, String listenHost, int listenPort, PlanRequest plan,
        String keyPrefix, String controllerId, Duration historyWindow, ControllerSecurity security,
        Optional<InetSocketAddress> metricsListen, Optional<InetSocketAddress> httpListen) {
    public static final Duration DEFAULT_HISTORY_WINDOW = Duration.ofHours(1);

    public ControllerConfig {
        etcdEndpoints = List.copyOf(etcdEndpoints);
        metricsListen = metricsListen == null ? Optional.empty() : metricsListen;
        httpListen = httpListen == null ? Optional.empty() : httpListen;
    }

    /** Without the page. */
    public ControllerConfig(List<String> etcdEndpoints, String listenHost, int listenPort, PlanRequest plan,
            String keyPrefix, String controllerId, Duration historyWindow, ControllerSecurity security,
            Optional<InetSocketAddress> metricsListen) {
        this(etcdEndpoints, listenHost, listenPort, plan, keyPrefix, controllerId, historyWindow, security,
                metricsListen, Optional.empty());
    }

    /** Without TLS ({@code --insecure}) and without metrics: what tests that do not set up certificates use. */
    public ControllerConfig(List<String> etcdEndpoints, String listenHost, int listenPort, PlanRequest plan,
            String keyPrefix, String controllerId, Duration historyWindow) {
        this(etcdEndpoints, listenHost, listenPort, plan, keyPrefix, controllerId, historyWindow,
                ControllerSecurity.insecure(), Optional.empty());
    }

    /** Without TLS, with the default history window (tests). */
    public ControllerConfig(List<String> etcdEndpoints, String listenHost, int listenPort, PlanRequest plan,
            String keyPrefix, String controllerId) {
        this(etcdEndpoints, listenHost, listenPort, plan, keyPrefix, controllerId, DEFAULT_HISTORY_WINDOW);
    }

    /** The same config, serving {@code /metrics} on the address. */
    public ControllerConfig withMetricsListen(InetSocketAddress address) {
        return new ControllerConfig(etcdEndpoints, listenHost, listenPort, plan, keyPrefix, controllerId, historyWindow,
                security, Optional.of(address), httpListen);
    }

    /** The same config, serving the topology page (and {@code /metrics}) on the address. */
    public ControllerConfig withHttpListen(InetSocketAddress address) {
        return new ControllerConfig(etcdEndpoints, listenHost, listenPort, plan, keyPrefix, controllerId, historyWindow,
                security, metricsListen, Optional.of(address));
    }

    public ControllerConfig withSecurity(ControllerSecurity value) {
        return new ControllerConfig(etcdEndpoints, listenHost, listenPort, plan, keyPrefix, controllerId, historyWindow,
                value, metricsListen, httpListen);
    }
}
