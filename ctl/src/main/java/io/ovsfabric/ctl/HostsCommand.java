package io.ovsfabric.ctl;

import io.ovsfabric.proto.v1.Host;
import io.ovsfabric.proto.v1.HostState;
import io.ovsfabric.proto.v1.ListHostsRequest;
import io.ovsfabric.proto.v1.ReleaseHostRequest;
import io.ovsfabric.proto.v1.ReserveHostRequest;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "hosts", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = {"List every host the fabric knows (UP, DOWN within its grace period, RESERVED), or reserve/release one."},
        subcommands = {HostsCommand.Reserve.class, HostsCommand.Release.class})
final class HostsCommand implements Callable<Integer> {

    @ParentCommand
    CtlMain root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "FORMAT", description = "table or json (default: table)")
    Output.Format format;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (ControllerClient client = root.connect()) {
            List<Host> hosts = client.admin().listHosts(ListHostsRequest.getDefaultInstance()).getHostsList();
            if (format == Output.Format.json) {
                Output.json(out, hosts.stream().map(HostRows::json).toList());
            } else if (hosts.isEmpty()) {
                out.println("no hosts yet: agents register when they start, or reserve one with 'ovsfabricctl hosts reserve'");
            } else {
                Output.table(out, HostRows.HEADER, hosts.stream().map(HostRows::row).toList());
            }
        }
        return 0;
    }

    @Command(name = "reserve", mixinStandardHelpOptions = true, usageHelpWidth = 110,
            description = {"Reserve a subnet for a host before it boots (same allocation path as registration).",
                    "The host gets this subnet when it registers with the same host id."})
    static final class Reserve implements Callable<Integer> {
        @ParentCommand
        HostsCommand hosts;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "HOST", description = "host id (DNS label, e.g. node-07)")
        String hostId;

        @Option(names = "--underlay-ip", required = true, paramLabel = "IP", description = "the address peers will reach the host at")
        String underlayIp;

        @Override
        public Integer call() {
            try (ControllerClient client = hosts.root.connect()) {
                Host host = client.admin().reserveHost(ReserveHostRequest.newBuilder().setHostId(hostId).setUnderlayIp(underlayIp).build())
                        .getHost();
                spec.commandLine().getOut().println("host " + host.getHostId() + " holds " + host.getSubnet() + " (gateway "
                        + host.getGateway() + ", " + HostRows.state(host.getState()) + ")");
            }
            return 0;
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true, usageHelpWidth = 110,
            description = {"Free a host's subnet so that another host can get it.",
                    "Refused while the host is live (UP) unless --force."})
    static final class Release implements Callable<Integer> {
        @ParentCommand
        HostsCommand hosts;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "HOST", description = "host id")
        String hostId;

        @Option(names = "--force", description = "release even while the host is live. This breaks that host: its agent"
                + " loses its lease and must register again (possibly getting another subnet), and its running containers"
                + " keep addresses from a subnet that may be handed to another host.")
        boolean force;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (ControllerClient client = hosts.root.connect()) {
                Host was = client.admin().releaseHost(ReleaseHostRequest.newBuilder().setHostId(hostId).setForce(force).build())
                        .getReleased();
                out.println("released " + was.getSubnet() + " of host " + was.getHostId() + " (was " + HostRows.state(was.getState()) + ")");
                if (was.getState() == HostState.HOST_STATE_UP) {
                    spec.commandLine().getErr().println("warning: " + was.getHostId() + " was live: its agent must register again, and"
                            + " its containers still use addresses from " + was.getSubnet() + ", which may now go to another host");
                }
            }
            return 0;
        }
    }
}
