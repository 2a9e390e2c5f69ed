package io.ovsfabric.ctl;

import io.ovsfabric.proto.v1.CheckIpamRequest;
import io.ovsfabric.proto.v1.CheckIpamResponse;
import io.ovsfabric.proto.v1.IpamFinding;
import io.ovsfabric.proto.v1.IpamFindingKind;
import io.ovsfabric.proto.v1.ListNetworksRequest;
import io.ovsfabric.proto.v1.Network;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "ipam", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = {"Check the fabric's endpoint address management."},
        subcommands = {IpamCommand.Check.class, CommandLine.HelpCommand.class})
final class IpamCommand implements Runnable {
    @ParentCommand
    CtlMain root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "check", mixinStandardHelpOptions = true, usageHelpWidth = 110,
            description = {"Compare the addresses allocated in etcd with what each host really has. At every Docker",
                    "sync pass (30 s) each agent reports its Docker plugin's records, the endpoints Docker shows on",
                    "ovsfabric networks and the endpoint ports on its bridge; reports live in etcd, any controller answers.",
                    "  LEAK      allocated in etcd but unused on its host: no Docker endpoint has the address, no bridge",
                    "            port the handle (a plugin record alone does not count once Docker and OVS were read),",
                    "            and it was older than --min-age at the report; or its host no longer exists.",
                    "            The address is provably unused: --repair releases it.",
                    "  ORPHAN    used on a host (a container, a bridge port) but not allocated in etcd, so the fabric",
                    "            may hand it out again; the reason says how to fix it on that host.",
                    "  CONFLICT  a container on one host uses an address etcd gives to an endpoint of another host.",
                    "Orphans and conflicts are judged against etcd as it was when the host reported. Hosts that are up",
                    "but have not reported yet are listed and not judged; a source an agent could not read (dockerd",
                    "restarting) is listed too and proves nothing.",
                    "Exit status: 0 when nothing is left to fix, 1 when findings remain, 3 when the controller is",
                    "unreachable."})
    static final class Check implements Callable<Integer> {
        @ParentCommand
        IpamCommand parent;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "FORMAT", description = "table or json (default: table)")
        Output.Format format;

        @Option(names = "--repair", description = "release the leaks (addresses provably unused)")
        boolean repair;

        @Option(names = "--min-age", defaultValue = "60", paramLabel = "SECONDS",
                description = "an allocation younger than this at its host's last report is never a leak (default: 60)")
        int minAgeSeconds;

        record FindingJson(String kind, String network, String networkId, String endpointId, String hostId, String address,
                String containerName, String reason, boolean repairable, boolean repaired) {}

        record CheckJson(List<FindingJson> findings, List<String> unreportedHosts, List<String> partialHosts) {}

        @Override
        public Integer call() {
            if (minAgeSeconds < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--min-age must be at least 1 second");
            }
            PrintWriter out = spec.commandLine().getOut();
            try (ControllerClient client = parent.root.connect()) {
                Map<String, String> names = client.admin().listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksList()
                        .stream().collect(Collectors.toMap(Network::getId, Network::getName));
                CheckIpamResponse r = client.admin().checkIpam(CheckIpamRequest.newBuilder().setRepair(repair)
                        .setMinAgeSeconds(minAgeSeconds).build());
                List<FindingJson> findings = r.getFindingsList().stream().map(f -> json(f, names)).toList();
                if (format == Output.Format.json) {
                    Output.json(out, new CheckJson(findings, r.getUnreportedHostsList(), r.getPartialHostsList()));
                } else {
                    if (findings.isEmpty()) {
                        out.println("no leaks, no orphans, no conflicts");
                    } else {
                        Output.table(out, List.of("KIND", "NETWORK", "ADDRESS", "HOST", "ENDPOINT", "STATUS", "REASON"),
                                findings.stream().map(f -> List.of(f.kind(), f.network().isEmpty() ? f.networkId() : f.network(),
                                        f.address().isEmpty() ? "-" : f.address(), f.hostId(), f.endpointId(),
                                        f.repaired() ? "released" : f.repairable() ? "repairable" : "host must fix", f.reason())).toList());
                    }
                    if (r.getUnreportedHostsCount() > 0) {
                        out.println("not checked (no report yet): " + String.join(", ", r.getUnreportedHostsList()));
                    }
                    r.getPartialHostsList().forEach(p -> out.println("partly checked: " + p));
                }
                return findings.stream().allMatch(FindingJson::repaired) ? 0 : 1;
            }
        }

        private static FindingJson json(IpamFinding f, Map<String, String> names) {
            String kind = switch (f.getKind()) {
                case IPAM_FINDING_KIND_LEAK -> "leak";
                case IPAM_FINDING_KIND_CONFLICT -> "conflict";
                default -> "orphan";
            };
            return new FindingJson(kind, names.getOrDefault(f.getEndpoint().getNetworkId(), ""), f.getEndpoint().getNetworkId(),
                    f.getEndpoint().getEndpointId(), f.getEndpoint().getHostId(), f.getEndpoint().getAddress(),
                    f.getEndpoint().getContainerName(), f.getReason(), f.getRepairable(), f.getRepaired());
        }
    }
}
