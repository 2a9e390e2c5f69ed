package io.ovsfabric.controller.cli;

import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.ipam.PlanRequest;
import io.ovsfabric.controller.store.FabricStore;
import io.ovsfabric.controller.wiring.Controller;
import io.ovsfabric.common.pki.FabricTls;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
        description = {"Serve FabricService (agents) and AdminService (ovsfabricctl) on one port.",
                "",
                "The first controller stores the fabric plan (--fabric-cidr, --host-prefix, --tunnel-key, --underlay-mtu,",
                "--lease-ttl, --reclaim-grace) in etcd. Later controllers may leave those flags out to adopt the stored plan; a controller whose flags",
                "disagree with it refuses to start and lists the differing fields. If etcd is not reachable yet, the",
                "controller retries with backoff and logs each attempt.",
                "",
                "Example:",
                "  ovsfabric-controller serve --etcd https://127.0.0.1:2379 --etcd-cacert /etc/ovsfabric/ca.crt \\",
                "      --etcd-cert /etc/ovsfabric/etcd-client.crt --etcd-key /etc/ovsfabric/etcd-client.key \\",
                "      --listen 10.0.0.2:7070 --pki-dir /etc/ovsfabric --controller-id c1 \\",
                "      --fabric-cidr 10.200.0.0/16 --host-prefix 24",
                ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped normally", "1:failed while running", "2:bad flags or refused fabric config"})
public final class ServeCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

    @Option(names = "--etcd", defaultValue = "http://127.0.0.1:2379", paramLabel = "URL[,URL...]",
            description = "etcd client URLs (default: ${DEFAULT-VALUE})")
    String etcd;

    @Option(names = "--listen", defaultValue = "127.0.0.1:7070", paramLabel = "HOST:PORT",
            description = "gRPC listen address for agents and ovsfabricctl (default: ${DEFAULT-VALUE})")
    String listen;

    @Option(names = "--fabric-cidr", paramLabel = "CIDR",
            description = "the whole overlay address space, e.g. 10.200.0.0/16 (required for the first controller)")
    String fabricCidr;

    @Option(names = "--host-prefix", paramLabel = "LEN",
            description = "prefix length of each host's subnet, e.g. 24 (required for the first controller; at most 30)")
    Integer hostPrefix;

    @Option(names = "--tunnel-key", paramLabel = "KEY",
            description = "GRE key of the default (docker0) network, 1-4294967295 (default for a new fabric: 1)")
    Long tunnelKey;

    @Option(names = "--underlay-mtu", paramLabel = "BYTES",
            description = "MTU every host's underlay carries; containers get this minus 42 (default for a new fabric: 1500)")
    Integer underlayMtu;

    @Option(names = "--lease-ttl", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "a host that misses keep-alives this long turns DOWN (whole seconds, min 2s; part of the"
                    + " stored plan; default for a new fabric: 10s)")
    Duration leaseTtl;

    @Option(names = "--reclaim-grace", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "how long a DOWN host's subnet stays reserved to it before it can go to another host (part of"
                    + " the stored plan; default for a new fabric: 10m)")
    Duration reclaimGrace;

    @Option(names = "--key-prefix", defaultValue = FabricStore.DEFAULT_PREFIX, paramLabel = "PREFIX",
            description = "etcd key prefix holding this fabric (default: ${DEFAULT-VALUE})")
    String keyPrefix;

    @Option(names = "--controller-id", paramLabel = "NAME",
            description = "this controller's name in logs and the leader election (default: <hostname>-<pid>)")
    String controllerId;

    @Option(names = "--history-window", converter = DurationConverter.class, defaultValue = "1h",
            paramLabel = "DURATION", description = "etcd history the leading controller keeps; older revisions are"
                    + " compacted away, so etcd stays below its space quota. An agent that reconnects within the window"
                    + " resumes where it was, a later one gets a fresh snapshot (default: ${DEFAULT-VALUE})")
    Duration historyWindow;

    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT",
            description = "serve Prometheus metrics at http://HOST:PORT/metrics (hosts by state, subnets, allocations,"
                    + " RPC latency, watchers, etcd calls, leader); off unless set, e.g. 127.0.0.1:9090")
    String metricsListen;

    @Option(names = "--http-listen", paramLabel = "HOST:PORT",
            description = "serve the live topology page at http://HOST:PORT/ (hosts, tunnels coloured by health,"
                    + " networks, recent events; updated live), its data at /api/topology and /events, and the"
                    + " Prometheus metrics at /metrics too; off unless set, e.g. 127.0.0.1:9090. Plain HTTP and"
                    + " read-only: bind it where only operators reach it")
    String httpListen;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "PEM certificate of this controller (ovsfabricctl pki issue-controller)")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM private key of --tls-cert")
    Path tlsKey;

    @Option(names = "--tls-ca", paramLabel = "FILE",
            description = "PEM fabric CA certificate(s): the only trust anchor of every agent and admin")
    Path tlsCa;

    @Option(names = "--ca-key", paramLabel = "FILE",
            description = "PEM key of the fabric CA: with it the controller signs host certificates for joins"
                    + " (join tokens) and renewals; without it hosts need certificates from the admin")
    Path caKey;

    @Option(names = "--pki-dir", paramLabel = "DIR",
            description = "a directory of 'ovsfabricctl pki init': ca.crt, controller-<controller-id>.crt/.key and,"
                    + " if present, ca.key (explicit --tls-*/--ca-key flags win)")
    Path pkiDir;

    @Option(names = "--insecure", description = "plaintext, unauthenticated gRPC: anyone who reaches --listen can act"
            + " as any host or admin. Tests only; logs a warning at every start")
    boolean insecure;

    @Option(names = "--etcd-cacert", paramLabel = "FILE", description = "PEM CA that signed etcd's server certificate")
    Path etcdCaCert;

    @Option(names = "--etcd-cert", paramLabel = "FILE",
            description = "PEM client certificate for etcd (--client-cert-auth)")
    Path etcdCert;

    @Option(names = "--etcd-key", paramLabel = "FILE", description = "PEM key of --etcd-cert")
    Path etcdKey;

    @Override
    public Integer call() throws Exception {
        List<String> problems = new ArrayList<>();
        PlanRequest plan = new PlanRequest(fabricCidr, hostPrefix, tunnelKey, underlayMtu, leaseTtl, reclaimGrace);
        problems.addAll(plan.problems());
        String host = null;
        int port = -1;
        int colon = listen.lastIndexOf(':');
        if (colon <= 0 || colon == listen.length() - 1) {
            problems.add("--listen: '" + listen + "' is not HOST:PORT (e.g. 127.0.0.1:7070)");
        } else {
            host = listen.substring(0, colon);
            try {
                port = Integer.parseInt(listen.substring(colon + 1));
                if (port < 0 || port > 65535) {
                    problems.add("--listen: port " + port + " is outside 0-65535");
                }
            } catch (NumberFormatException e) {
                problems.add("--listen: '" + listen.substring(colon + 1) + "' is not a port number");
            }
        }
        List<String> endpoints = Arrays.stream(etcd.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (endpoints.isEmpty() || endpoints.stream().anyMatch(e -> !e.startsWith("http://") && !e.startsWith("https://"))) {
            problems.add("--etcd: '" + etcd + "' must be one or more http(s):// URLs separated by commas");
        }
        java.util.Optional<java.net.InetSocketAddress> metrics = java.util.Optional.empty();
        if (metricsListen != null) {
            try {
                metrics = java.util.Optional.of(io.ovsfabric.common.metrics.MetricsEndpoint.parseListen("--metrics-listen", metricsListen));
            } catch (InvalidInputException e) {
                problems.add(e.getMessage());
            }
        }
        java.util.Optional<java.net.InetSocketAddress> http = java.util.Optional.empty();
        if (httpListen != null) {
            try {
                http = java.util.Optional.of(io.ovsfabric.common.metrics.MetricsEndpoint.parseListen("--http-listen", httpListen));
            } catch (InvalidInputException e) {
                problems.add(e.getMessage());
            }
        }
        if (http.isPresent() && metrics.isPresent() && http.get().equals(metrics.get())) {
            problems.add("--metrics-listen and --http-listen are both " + httpListen + ": --http-listen serves /metrics"
                    + " too, give only it");
        }
        try {
            FabricStore.checkPrefix(keyPrefix);
        } catch (InvalidInputException e) {
            problems.add(e.getMessage());
        }
        if (!problems.isEmpty()) {
            System.err.println("ovsfabric-controller: cannot start:");
            problems.forEach(p -> System.err.println("  - " + p));
            return 2;
        }
        String id = controllerId != null ? controllerId : defaultId();
        if (historyWindow.compareTo(Duration.ofMinutes(1)) < 0) {
            System.err.println("ovsfabric-controller: cannot start:\n  - --history-window " + historyWindow
                    + " is shorter than 1m: agents reconnecting after a short outage would all need fresh snapshots");
            return 2;
        }
        ControllerSecurity.EtcdTls etcdTls = new ControllerSecurity.EtcdTls(Optional.ofNullable(etcdCaCert),
                Optional.ofNullable(etcdCert), Optional.ofNullable(etcdKey));
        ControllerSecurity security;
        try {
            security = security(id, etcdTls);
        } catch (InvalidInputException e) {
            System.err.println("ovsfabric-controller: cannot start:\n  - " + e.getMessage());
            return 2;
        }
        ControllerConfig config = new ControllerConfig(endpoints, host, port, plan, keyPrefix, id, historyWindow,
                security, metrics, http);
        Controller controller;
        try {
            controller = Controller.start(config);
        } catch (FabricException | InvalidInputException | io.ovsfabric.common.pki.PkiException e) {
            log.error("{}", e.getMessage());
            return 2;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(controller::close, "shutdown"));
        controller.awaitTermination();
        return 0;
    }

    /** TLS from the flags: explicit files, else --pki-dir's; --insecure only when asked for, and never mixed. */
    ControllerSecurity security(String id, ControllerSecurity.EtcdTls etcdTls) {
        boolean anyTls = tlsCert != null || tlsKey != null || tlsCa != null || caKey != null || pkiDir != null;
        if (insecure) {
            if (anyTls) {
                throw new InvalidInputException("--insecure and --tls-*/--ca-key/--pki-dir contradict each other");
            }
            return ControllerSecurity.insecure().withEtcd(etcdTls);
        }
        Path ca = tlsCa;
        Path cert = tlsCert;
        Path key = tlsKey;
        Path signer = caKey;
        if (pkiDir != null) {
            ca = ca != null ? ca : pkiDir.resolve("ca.crt");
            cert = cert != null ? cert : pkiDir.resolve("controller-" + id + ".crt");
            key = key != null ? key : pkiDir.resolve("controller-" + id + ".key");
            if (signer == null && Files.exists(pkiDir.resolve("ca.key"))) {
                signer = pkiDir.resolve("ca.key");
            }
        }
        if (ca == null || cert == null || key == null) {
            throw new InvalidInputException("mutual TLS is the default: give --tls-cert, --tls-key and --tls-ca (or"
                    + " --pki-dir with --controller-id), or --insecure for a plaintext test fabric");
        }
        for (Path file : new Path[] {ca, cert, key}) {
            if (!Files.isReadable(file)) {
                throw new InvalidInputException("cannot read " + file + (pkiDir != null ? " (--pki-dir " + pkiDir
                        + " needs ca.crt and controller-" + id + ".crt/.key: 'ovsfabricctl pki issue-controller " + id
                        + " --dir " + pkiDir + "')" : ""));
            }
        }
        return ControllerSecurity.tls(new FabricTls.PemPaths(ca, cert, key), Optional.ofNullable(signer), etcdTls);
    }

    private static String defaultId() {
        String name;
        try {
            name = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            name = "controller";
        }
        return name + "-" + ProcessHandle.current().pid();
    }
}
