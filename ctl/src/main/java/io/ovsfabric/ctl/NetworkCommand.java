package io.ovsfabric.ctl;

import io.ovsfabric.proto.v1.CreateNetworkRequest;
import io.ovsfabric.proto.v1.DeleteNetworkRequest;
import io.ovsfabric.proto.v1.DeleteNetworkResponse;
import io.ovsfabric.proto.v1.ListNetworksRequest;
import io.ovsfabric.proto.v1.Network;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "network", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = {"Fabric-wide user networks: each has its own subnet and GRE key and exists on every host's Docker."},
        subcommands = {NetworkCommand.Create.class, NetworkCommand.Ls.class, NetworkCommand.Rm.class})
final class NetworkCommand implements Runnable {
    @ParentCommand
    CtlMain root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: create, ls or rm");
    }

    record NetworkJson(String id, String name, String subnet, String gateway, long tunnelKey, Map<String, String> labels,
            long createdAtUnixMs) {
        static NetworkJson of(Network n) {
            return new NetworkJson(n.getId(), n.getName(), n.getSubnet(), n.getGateway(), Integer.toUnsignedLong(n.getTunnelKey()),
                    new TreeMap<>(n.getLabelsMap()), n.getCreatedAtUnixMs());
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, usageHelpWidth = 110,
            description = {"Define a network once for the whole fabric (e.g. network create appnet --subnet 10.201.0.0/16).",
                    "The subnet must not overlap the fabric CIDR or another network. Creating it again with the same",
                    "subnet changes nothing."})
    static final class Create implements Callable<Integer> {
        @ParentCommand
        NetworkCommand parent;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME", description = "network name (letters, digits, '_', '.', '-')")
        String name;

        @Option(names = "--subnet", required = true, paramLabel = "CIDR", description = "the network's addresses, e.g. 10.201.0.0/16")
        String subnet;

        @Option(names = "--gateway", paramLabel = "IP", description = "gateway address (default: first usable address)")
        String gateway;

        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "labels (repeatable)")
        Map<String, String> labels = new TreeMap<>();

        @Override
        public Integer call() {
            try (ControllerClient client = parent.root.connect()) {
                Network n = client.admin().createNetwork(CreateNetworkRequest.newBuilder().setName(name).setSubnet(subnet)
                        .setGateway(gateway == null ? "" : gateway).putAllLabels(labels).build()).getNetwork();
                spec.commandLine().getOut().println("network " + n.getName() + " " + n.getSubnet() + " (gateway " + n.getGateway()
                        + ", GRE key " + Integer.toUnsignedLong(n.getTunnelKey()) + ", id " + n.getId() + ")");
            }
            return 0;
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, usageHelpWidth = 110, description = "List the fabric's networks.")
    static final class Ls implements Callable<Integer> {
        @ParentCommand
        NetworkCommand parent;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "FORMAT", description = "table or json (default: table)")
        Output.Format format;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (ControllerClient client = parent.root.connect()) {
                List<Network> networks = client.admin().listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksList();
                if (format == Output.Format.json) {
                    Output.json(out, networks.stream().map(NetworkJson::of).toList());
                } else if (networks.isEmpty()) {
                    out.println("no networks yet: create one with 'ovsfabricctl network create NAME --subnet CIDR'");
                } else {
                    Output.table(out, List.of("NAME", "SUBNET", "GATEWAY", "GRE KEY", "ID"), networks.stream().map(n -> List.of(
                            n.getName(), n.getSubnet(), n.getGateway(), Long.toString(Integer.toUnsignedLong(n.getTunnelKey())),
                            n.getId())).toList());
                }
            }
            return 0;
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, usageHelpWidth = 110,
            description = {"Delete a network. Refused while endpoints hold addresses in it, unless --force."})
    static final class Rm implements Callable<Integer> {
        @ParentCommand
        NetworkCommand parent;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME", description = "network name or id")
        String name;

        @Option(names = "--force", description = "delete even with endpoints attached: their addresses are released while"
                + " their containers may still use them")
        boolean force;

        @Override
        public Integer call() {
            try (ControllerClient client = parent.root.connect()) {
                DeleteNetworkResponse r = client.admin().deleteNetwork(DeleteNetworkRequest.newBuilder().setNameOrId(name).setForce(force).build());
                spec.commandLine().getOut().println("deleted network " + r.getDeleted().getName() + " (" + r.getDeleted().getSubnet() + ")"
                        + (r.getReleasedAddresses() > 0 ? ", released " + r.getReleasedAddresses() + " endpoint addresses" : ""));
            }
            return 0;
        }
    }
}
