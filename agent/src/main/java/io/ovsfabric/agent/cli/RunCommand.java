package io.ovsfabric.agent.cli;

import io.ovsfabric.agent.rpc.HostCredentials;
import io.ovsfabric.agent.state.StateDirLock;
import io.ovsfabric.agent.upcall.UpcallWatch;
import io.ovsfabric.agent.wiring.AgentWiring;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.metrics.MetricsEndpoint;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import io.ovsfabric.agent.health.ProbeSettings;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = {"Runs the agent in the foreground until SIGTERM: registers this host with the controller, keeps",
                "its lease alive, follows the topology and keeps br0, docker0, the GRE tunnels, the flows and the NAT",
                "rules in line with it. It also serves the 'ovsfabric' Docker network + IPAM plugin in --plugin-dir",
                "and fabric container names over DNS on the host's gateway address (dockerd --dns, see docker-opts).",
                " While the controller is unreachable it keeps the last known topology.",
                "Stopping the agent leaves the data plane forwarding; use 'teardown' to remove it.",
                "",
                "Example:",
                "  ovsfabric-agent run --controller 10.0.0.2:7070 --host-id h1 --underlay-ip 192.0.2.1 \\",
                "      --underlay-interface eth1",
                ""})
final class RunCommand implements Callable<Integer> {

    @Mixin
    ControllerOption controller;

    @Option(names = "--host-id", required = true, paramLabel = "ID",
            description = "this host's name in the fabric: lowercase letters, digits and '-' (e.g. h1)")
    String hostId;

    @Option(names = "--underlay-ip", required = true, paramLabel = "IP",
            description = "the IPv4 address peers reach this host at; must be outside the fabric CIDR")
    String underlayIp;

    @Mixin
    DataPlaneOptions dataPlane;

    @Option(names = "--state-dir", defaultValue = "/var/lib/ovsfabric", paramLabel = "DIR",
            description = "where the agent keeps its last known topology across restarts (default: ${DEFAULT-VALUE})")
    Path stateDir;

    @Option(names = "--plugin-dir", defaultValue = "/run/docker/plugins", paramLabel = "DIR",
            description = "where Docker looks for plugin sockets; the agent serves ovsfabric.sock there "
                    + "(default: ${DEFAULT-VALUE})")
    Path pluginDir;

    @Option(names = "--docker-host", defaultValue = "unix:///var/run/docker.sock", paramLabel = "URL",
            description = "the Docker Engine API of this host, for the ovsfabric network/IPAM plugin and its engine "
                    + "sync (default: ${DEFAULT-VALUE})")
    String dockerHost;

    @Option(names = "--no-docker", description = "serve no Docker plugin and no DNS (the default docker0 network only)")
    boolean noDocker;

    @Option(names = "--resync", defaultValue = "30s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "how often the whole data plane is checked and repaired even without changes "
                    + "(default: ${DEFAULT-VALUE})")
    Duration resync;

    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT",
            description = "serve Prometheus metrics at http://HOST:PORT/metrics (reconcile passes, changes, flows,"
                    + " ports, tunnels, peers, plugin calls, DNS); off unless set, e.g. 192.0.2.11:9091")
    String metricsListen;

    @Option(names = "--tunnel-probe-port", defaultValue = "7079", paramLabel = "PORT",
            description = "UDP port of the tunnel probes: every second the agent sends a probe from this host's docker0"
                    + " gateway to every peer's, through br0 and GRE, and answers the peers' probes on it (the same"
                    + " port on every host); 0: no probing and no tunnel reports (default: ${DEFAULT-VALUE})")
    int tunnelProbePort;

    @Option(names = "--tunnel-probe-interval", defaultValue = "1s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "one probe per peer this often; a probe not answered within it is lost (default: ${DEFAULT-VALUE})")
    Duration tunnelProbeInterval;

    @Option(names = "--tunnel-broken-after", defaultValue = "3", paramLabel = "N",
            description = "a tunnel is broken after N lost probes in a row, healthy again at the first answer"
                    + " (default: ${DEFAULT-VALUE})")
    int tunnelBrokenAfter;

    @Option(names = "--diag-listen", paramLabel = "HOST:PORT|off",
            description = "serve the agent's diagnostics (what 'ovsfabricctl trace' asks: OVS's ofproto/trace on br0,"
                    + " container names) over gRPC here; with TLS it presents this host's certificate and answers"
                    + " admin certificates only. Default: the --underlay-ip, port " + DIAG_PORT + "; 'off' serves"
                    + " nothing")
    String diagListen;

    static final int DIAG_PORT = 7071;

    @Option(names = "--join-token", paramLabel = "TOKEN",
            description = "join the fabric with this token ('ovsfabricctl token create'): the controller signs a host"
                    + " certificate for --host-id, kept in <state-dir>/tls/ and renewed before it expires. Needs the"
                    + " fabric CA certificate (--tls-ca, or <state-dir>/tls/ca.crt). Ignored once joined")
    String joinToken;

    @Option(names = "--repair-upcalls",
            description = "on the kernel datapath, when ovs-vswitchd has no upcall threads (OVS 3.1.0's bug when it"
                    + " starts within 10 s of boot: every new flow's first packet is lost), restart it with"
                    + " --repair-upcalls-command once the machine has been up 10 s, at most once per 10 minutes."
                    + " Without it the agent only logs an ERROR and sets ovsfabric_agent_datapath_upcall_broken")
    boolean repairUpcalls;

    @Option(names = "--repair-upcalls-command", paramLabel = "COMMAND",
            defaultValue = UpcallWatch.Options.DEFAULT_REPAIR_COMMAND,
            description = "what restarts ovs-vswitchd for --repair-upcalls: words split at blanks, no shell"
                    + " (default: ${DEFAULT-VALUE})")
    String repairUpcallsCommand;

    @Override
    public Integer call() throws Exception {
        HostId host = HostId.of(hostId);
        Ipv4Address underlay = Ipv4Address.parse(underlayIp);
        Optional<InetSocketAddress> metrics = metricsListen == null ? Optional.empty()
                : Optional.of(MetricsEndpoint.parseListen("--metrics-listen", metricsListen));
        ProbeSettings defaults = ProbeSettings.defaults();
        ProbeSettings probes = new ProbeSettings(tunnelProbePort, tunnelProbeInterval, tunnelBrokenAfter,
                Math.max(defaults.window(), tunnelBrokenAfter), defaults.reportEvery());
        Optional<InetSocketAddress> diag = diagListen == null
                ? Optional.of(new InetSocketAddress(underlay.toString(), DIAG_PORT))
                : "off".equals(diagListen) ? Optional.empty()
                : Optional.of(MetricsEndpoint.parseListen("--diag-listen", diagListen));
        CountDownLatch stopped = new CountDownLatch(1);
        try (StateDirLock lock = StateDirLock.acquire(stateDir, "run");
                HostCredentials credentials = credentials(host);
                AgentWiring agent = AgentWiring.start(new AgentWiring.Config(controller.address, host, underlay,
                dataPlane.settings(underlay), stateDir, pluginDir, resync,
                noDocker ? Optional.empty() : Optional.of(dockerHost), metrics, probes, diag), credentials,
                UpcallWatch.Options.reportOnly().withRepair(repairUpcalls, repairUpcallsCommand))) {
            credentials.startRenewal(controller.address);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                agent.close();
                stopped.countDown();
            }, "shutdown"));
            stopped.await();
        }
        return 0;
    }

    /** The host's certificate, joining first when a token is given and there is none yet. */
    private HostCredentials credentials(HostId host) {
        if (joinToken != null && !controller.insecure) {
            io.ovsfabric.common.pki.FabricTls.PemPaths files = controller.files(stateDir);
            if (java.nio.file.Files.exists(files.cert())) {
                org.slf4j.LoggerFactory.getLogger(RunCommand.class).info("{} exists: already joined, --join-token is"
                        + " not used", files.cert());
            } else {
                HostCredentials.join(controller.address, files, joinToken, Optional.of(host));
            }
        }
        return controller.credentials(stateDir, Optional.of(host), "ovsfabric-agent " + host);
    }
}
