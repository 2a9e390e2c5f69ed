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
            description = {"Compare the addresses allocated in etcd with what each host's agent last reported holding (agents",
                    "report every few seconds).",
                    "  LEAK    allocated in etcd, but its host reported without it (the allocation was older than --min-age",
                    "          at that report) or its host no longer exists: the address is unused and --repair releases it.",
                    "  ORPHAN  held on a host, unknown to etcd: only that host's agent can fix it (restart it or remove",
                    "          the container); never repaired here.",
                    "Hosts that are up but have not reported yet are listed and not judged.",
                    "Exit status: 0 when nothing is left to fix, 1 when findings remain."})
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

        record CheckJson(List<FindingJson> findings, List<String> unreportedHosts) {}

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
                    Output.json(out, new CheckJson(findings, r.getUnreportedHostsList()));
                } else {
                    if (findings.isEmpty()) {
                        out.println("no leaks, no orphans");
                    } else {
                        Output.table(out, List.of("KIND", "NETWORK", "ADDRESS", "HOST", "ENDPOINT", "STATUS", "REASON"),
                                findings.stream().map(f -> List.of(f.kind(), f.network().isEmpty() ? f.networkId() : f.network(),
                                        f.address().isEmpty() ? "-" : f.address(), f.hostId(), f.endpointId(),
                                        f.repaired() ? "released" : f.repairable() ? "repairable" : "host must fix", f.reason())).toList());
                    }
                    if (r.getUnreportedHostsCount() > 0) {
                        out.println("not checked (no report yet): " + String.join(", ", r.getUnreportedHostsList()));
                    }
                }
                return findings.stream().allMatch(FindingJson::repaired) ? 0 : 1;
            }
        }

        private static FindingJson json(IpamFinding f, Map<String, String> names) {
            String kind = f.getKind() == IpamFindingKind.IPAM_FINDING_KIND_LEAK ? "leak" : "orphan";
            return new FindingJson(kind, names.getOrDefault(f.getEndpoint().getNetworkId(), ""), f.getEndpoint().getNetworkId(),
                    f.getEndpoint().getEndpointId(), f.getEndpoint().getHostId(), f.getEndpoint().getAddress(),
                    f.getEndpoint().getContainerName(), f.getReason(), f.getRepairable(), f.getRepaired());
        }
    }
}
