package io.ovsfabric.ctl;

import io.ovsfabric.proto.v1.FabricConfig;
import io.ovsfabric.proto.v1.GetFabricRequest;
import io.ovsfabric.proto.v1.GetFabricResponse;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "fabric", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = {"Show the fabric plan stored in etcd and which controller leads."})
final class FabricCommand implements Callable<Integer> {

    @ParentCommand
    CtlMain root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "FORMAT", description = "table or json (default: table)")
    Output.Format format;

    record FabricJson(String fabricCidr, int hostPrefix, long tunnelKey, int underlayMtu, int tunnelOverhead, int overlayMtu,
            int reservedHead, String fabricId, String leader, String controllerId, long revision) {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (ControllerClient client = root.connect()) {
            GetFabricResponse r = client.admin().getFabric(GetFabricRequest.getDefaultInstance());
            FabricConfig c = r.getConfig();
            FabricJson json = new FabricJson(c.getFabricCidr(), c.getHostPrefix(), Integer.toUnsignedLong(c.getTunnelKey()),
                    c.getUnderlayMtu(), c.getTunnelOverhead(), c.getUnderlayMtu() - c.getTunnelOverhead(), c.getReservedHead(),
                    c.getFabricId(), r.getLeader(), r.getControllerId(), r.getRevision());
            if (format == Output.Format.json) {
                Output.json(out, json);
            } else {
                out.println("fabric cidr:     " + json.fabricCidr() + " (/" + json.hostPrefix() + " per host)");
                out.println("tunnel key:      " + json.tunnelKey());
                out.println("underlay mtu:    " + json.underlayMtu() + " (overlay mtu " + json.overlayMtu() + ")");
                out.println("reserved head:   " + json.reservedHead() + " addresses per host subnet");
                out.println("fabric id:       " + json.fabricId());
                out.println("leader:          " + (json.leader().isEmpty() ? "(none elected)" : json.leader()));
                out.println("answered by:     " + json.controllerId() + " at etcd revision " + json.revision());
            }
        }
        return 0;
    }
}
