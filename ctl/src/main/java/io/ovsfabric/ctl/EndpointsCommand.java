package io.ovsfabric.ctl;

import io.ovsfabric.proto.v1.Endpoint;
import io.ovsfabric.proto.v1.ListEndpointsRequest;
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

@Command(name = "endpoints", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = {"List every endpoint (container address) in the fabric's networks, with its host and container."})
final class EndpointsCommand implements Callable<Integer> {
    @ParentCommand
    CtlMain root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "FORMAT", description = "table or json (default: table)")
    Output.Format format;

    @Option(names = "--network", paramLabel = "NAME", description = "only this network (name or id)")
    String network;

    @Option(names = "--host", paramLabel = "HOST", description = "only this host")
    String host;

    record EndpointJson(String network, String networkId, String endpointId, String hostId, String address, String mac,
            String containerId, String containerName, List<String> aliases) {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (ControllerClient client = root.connect()) {
            Map<String, String> names = client.admin().listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksList()
                    .stream().collect(Collectors.toMap(Network::getId, Network::getName));
            List<Endpoint> endpoints = client.admin().listEndpoints(ListEndpointsRequest.newBuilder()
                    .setNetwork(network == null ? "" : network).setHostId(host == null ? "" : host).build()).getEndpointsList()
                    .stream().sorted(java.util.Comparator.comparing((Endpoint e) -> names.getOrDefault(e.getNetworkId(), e.getNetworkId())))
                    .toList(); // by network name; the controller already orders each network by address
            if (format == Output.Format.json) {
                Output.json(out, endpoints.stream().map(e -> new EndpointJson(names.getOrDefault(e.getNetworkId(), ""), e.getNetworkId(),
                        e.getEndpointId(), e.getHostId(), e.getAddress(), e.getMac(), e.getContainerId(), e.getContainerName(),
                        e.getAliasesList())).toList());
            } else if (endpoints.isEmpty()) {
                out.println("no endpoints");
            } else {
                Output.table(out, List.of("NETWORK", "ADDRESS", "HOST", "CONTAINER", "ENDPOINT"), endpoints.stream().map(e -> List.of(
                        names.getOrDefault(e.getNetworkId(), e.getNetworkId()), e.getAddress(), e.getHostId(),
                        e.getContainerName().isEmpty() ? short12(e.getContainerId()) : e.getContainerName(), slot(e.getEndpointId())))
                        .toList());
            }
        }
        return 0;
    }

    /** A handle host:network:slot is told apart by its slot (host and network have their own columns). */
    private static String slot(String handle) {
        int last = handle.lastIndexOf(':');
        return last < 0 ? short12(handle) : short12(handle.substring(last + 1));
    }

    private static String short12(String id) {
        return id.isEmpty() ? "-" : id.length() > 12 ? id.substring(0, 12) : id;
    }
}
