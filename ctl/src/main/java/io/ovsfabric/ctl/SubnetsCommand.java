package io.ovsfabric.ctl;

import io.ovsfabric.proto.v1.ListSubnetsRequest;
import io.ovsfabric.proto.v1.ListSubnetsResponse;
import io.ovsfabric.proto.v1.SubnetAllocation;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "subnets", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = {"List the host subnets held (by UP, DOWN and RESERVED hosts) and how many are left."})
final class SubnetsCommand implements Callable<Integer> {

    @ParentCommand
    CtlMain root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "FORMAT", description = "table or json (default: table)")
    Output.Format format;

    record SubnetJson(String subnet, String hostId, String state, String underlayIp) {}

    record SubnetsJson(long totalSubnets, long heldSubnets, List<SubnetJson> allocations) {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (ControllerClient client = root.connect()) {
            ListSubnetsResponse response = client.admin().listSubnets(ListSubnetsRequest.getDefaultInstance());
            List<SubnetAllocation> allocations = response.getAllocationsList();
            if (format == Output.Format.json) {
                Output.json(out, new SubnetsJson(Integer.toUnsignedLong(response.getTotalSubnets()),
                        Integer.toUnsignedLong(response.getHeldSubnets()), allocations.stream().map(a -> new SubnetJson(a.getSubnet(),
                                a.getHostId(), HostRows.state(a.getState()), a.getUnderlayIp())).toList()));
                return 0;
            }
            if (!allocations.isEmpty()) {
                Output.table(out, List.of("SUBNET", "HOST", "STATE", "UNDERLAY"), allocations.stream()
                        .map(a -> List.of(a.getSubnet(), a.getHostId(), HostRows.state(a.getState()), a.getUnderlayIp())).toList());
            }
            out.println(Integer.toUnsignedLong(response.getHeldSubnets()) + " of " + Integer.toUnsignedLong(response.getTotalSubnets())
                    + " assignable host subnets held");
        }
        return 0;
    }
}
