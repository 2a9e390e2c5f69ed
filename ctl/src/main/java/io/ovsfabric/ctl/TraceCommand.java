package io.ovsfabric.ctl;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.Status;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.pki.CertifiedKey;
import io.ovsfabric.common.pki.FabricTls;
import io.ovsfabric.common.pki.Identity;
import io.ovsfabric.common.pki.PemFiles;
import io.ovsfabric.common.pki.PkiException;
import io.ovsfabric.proto.v1.ContainerAddress;
import io.ovsfabric.proto.v1.Host;
import io.ovsfabric.proto.v1.HostState;
import io.ovsfabric.proto.v1.ListEndpointsRequest;
import io.ovsfabric.proto.v1.ListHostsRequest;
import io.ovsfabric.proto.v1.ListNetworksRequest;
import io.ovsfabric.proto.v1.LookupContainerRequest;
import io.ovsfabric.proto.v1.LookupContainerResponse;
import java.io.PrintWriter;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@Command(name = "trace", mixinStandardHelpOptions = true, usageHelpWidth = 110, sortOptions = false,
        description = {"Follow one packet from a container to another, hop by hop, through the fabric's OVS flows.",
                "",
                "It asks the controller where both ends live (the host, and the network: a user-defined network's",
                "endpoint, or docker0 by the host whose subnet holds the address; a docker0 container's name is looked",
                "up in the hosts' Docker engines). Then the source host's agent runs OVS's own 'ofproto/trace' on its",
                "br0 for that packet, entering where the container's traffic enters. When the packet leaves by the GRE",
                "tunnel, the peer it goes to continues the trace as the packet arrives there. Nothing is sent: OVS",
                "only computes what it would do.",
                "",
                "It prints one path: per host the bridge, every table and flow the packet meets with the flow's cookie",
                "and what that flow is for, then the tunnel (key, peer's underlay address and host), and in the end",
                "the delivery (to which port and container) or the exact drop (which flow, and why, e.g. 'different",
                "network').",
                "",
                "The agents serve this on their underlay address, port 7071 (the agent's --diag-listen); with TLS it",
                "needs an admin certificate (the same --tls-* as for the controller).",
                "",
                "Examples:",
                "  ovsfabricctl trace --from h1-c1 --to h3-c1",
                "  ovsfabricctl trace --from 10.201.0.2 --to 10.201.0.3 --proto tcp --dport 80",
                "  ovsfabricctl trace --from app-h1 --to oth-h3 -o json"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the trace ran (whatever its result: delivered or dropped)",
                "1:the controller or an agent refused (the message says why)", "2:bad command line or unknown container",
                "3:the controller or an agent cannot be reached"})
final class TraceCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(TraceCommand.class);

    @ParentCommand
    CtlMain root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--from", required = true, paramLabel = "CONTAINER|IP",
            description = "where the packet starts: a container name (or id) or its IPv4 address")
    String from;

    @Option(names = "--to", required = true, paramLabel = "CONTAINER|IP",
            description = "where it is sent: a container name (or id) or an IPv4 address")
    String to;

    @Option(names = "--proto", defaultValue = "icmp", paramLabel = "icmp|tcp|udp",
            description = "the packet's protocol (default: ${DEFAULT-VALUE}: an echo request)")
    String proto;

    @Option(names = "--dport", paramLabel = "N", description = "tcp/udp destination port (default 80)")
    Integer dport;

    @Option(names = "--agent-port", defaultValue = "7071", paramLabel = "PORT",
            description = "the port the agents serve their diagnostics on, at their underlay IP (default: ${DEFAULT-VALUE})")
    int agentPort;

    @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "FORMAT",
            description = "table (a readable path) or json (default: table)")
    Output.Format format;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String protocol = proto.strip().toLowerCase(Locale.ROOT);
        if (!List.of("icmp", "tcp", "udp").contains(protocol)) {
            throw new InvalidInputException("--proto " + proto + ": use icmp, tcp or udp");
        }
        if (dport != null && protocol.equals("icmp")) {
            throw new InvalidInputException("--dport needs --proto tcp or udp (icmp has no ports)");
        }
        if (dport != null && (dport < 1 || dport > 65535)) {
            throw new InvalidInputException("--dport " + dport + " is outside 1-65535");
        }
        int port = dport == null ? (protocol.equals("icmp") ? 0 : 80) : dport;
        Map<String, AgentClient> agents = new LinkedHashMap<>();
        try (ControllerClient client = root.connect()) {
            List<Host> hosts = client.admin().listHosts(ListHostsRequest.getDefaultInstance()).getHostsList();
            TraceTargets targets = new TraceTargets(hosts,
                    client.admin().listEndpoints(ListEndpointsRequest.getDefaultInstance()).getEndpointsList(),
                    client.admin().listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksList());
            java.util.function.Function<Host, AgentClient> agent = h -> agents.computeIfAbsent(h.getHostId(),
                    id -> new AgentClient(h, agentPort, credentials(h)));
            java.util.function.Function<String, List<TraceTargets.Lookup>> lookup = name -> lookup(hosts, agent, name);
            TraceTargets.Target source = targets.resolve("--from", from, lookup);
            TraceTargets.Target destination = targets.resolve("--to", to, lookup);
            TraceWalk.Path path = TraceWalk.walk(targets, source, destination, protocol, port,
                    (h, request) -> agent.apply(h).call("Trace", stub -> stub.trace(request)));
            if (format == Output.Format.json) {
                TraceReport.json(out, path);
            } else {
                TraceReport.text(out, path);
            }
            return 0;
        } catch (AgentClient.AgentCallException e) {
            err.println("ovsfabricctl: " + e.getMessage());
            return e.exitCode;
        } finally {
            agents.values().forEach(AgentClient::close);
        }
    }

    /** Asks every UP host's agent for the name; hosts that cannot answer are skipped (and said so on stderr). */
    private static List<TraceTargets.Lookup> lookup(List<Host> hosts,
            java.util.function.Function<Host, AgentClient> agent, String name) {
        List<TraceTargets.Lookup> found = new ArrayList<>();
        for (Host host : hosts) {
            if (host.getState() != HostState.HOST_STATE_UP) {
                continue;
            }
            try {
                LookupContainerResponse r = agent.apply(host).call("LookupContainer",
                        stub -> stub.lookupContainer(LookupContainerRequest.newBuilder().setName(name).build()));
                for (ContainerAddress a : r.getAddressesList()) {
                    if (Ipv4Address.isValid(a.getAddress())) {
                        found.add(new TraceTargets.Lookup(host, r.getContainerName(), a.getDockerNetwork(),
                                Ipv4Address.parse(a.getAddress())));
                    }
                }
            } catch (AgentClient.AgentCallException e) {
                if (!(e.getCause() instanceof io.grpc.StatusRuntimeException s
                        && s.getStatus().getCode() == Status.Code.NOT_FOUND)) {
                    log.warn("cannot ask host {} for container '{}': {}", host.getHostId(), name, e.getMessage());
                }
            }
        }
        return found;
    }

    /** Plaintext with --insecure; else the admin certificate, and the agent must present that host's certificate. */
    private ChannelCredentials credentials(Host host) {
        if (root.insecure) {
            return InsecureChannelCredentials.create();
        }
        if (root.tlsCert == null || root.tlsKey == null || root.tlsCa == null) {
            throw new InvalidInputException("the agents need an admin certificate: pass --tls-cert, --tls-key and"
                    + " --tls-ca (or $OVSFABRIC_TLS_*), or --insecure for a test fabric");
        }
        try {
            List<X509Certificate> ca = PemFiles.readCertificates(root.tlsCa);
            return FabricTls.channelCredentials(ca, CertifiedKey.read(root.tlsCert, root.tlsKey),
                    Identity.host(HostId.of(host.getHostId())));
        } catch (PkiException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }
}
