package io.ovsfabric.controller.rpc;

import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.controller.ipam.HostReport;
import io.ovsfabric.controller.ipam.IpamAudit;
import io.ovsfabric.proto.v1.Endpoint;
import io.ovsfabric.proto.v1.HostInventory;
import io.ovsfabric.proto.v1.IpamFinding;
import io.ovsfabric.proto.v1.IpamFindingKind;
import io.ovsfabric.proto.v1.ReportEndpointsRequest;

/** Host reports from proto and `ipam check` findings to proto (pure). */
final class IpamMapping {
    private IpamMapping() {}

    /**
     * The report of an agent. Addresses must be IPv4 (Docker's "a.b.c.d/len" is accepted) or empty; a report
     * without an inventory comes from an agent older than this controller and is refused.
     */
    static HostReport hostReport(ReportEndpointsRequest request) {
        if (!request.hasInventory()) {
            throw new InvalidInputException("host " + request.getHostId() + " sent a report without an inventory"
                    + " (an agent older than this controller): upgrade the agent");
        }
        HostInventory inv = request.getInventory();
        return new HostReport(0, inv.getTopologyRevision(),
                inv.getPluginList().stream().map(a -> new HostReport.PluginAddress(a.getNetworkId(), a.getEndpointId(),
                        address(a.getAddress(), "plugin address " + a.getEndpointId()), a.getReserved(),
                        a.getDockerEndpointId())).toList(),
                inv.getDockerObserved(),
                inv.getDockerList().stream().map(d -> new HostReport.DockerEndpoint(d.getNetworkId(), d.getDockerNetworkId(),
                        d.getDockerEndpointId(), d.getContainerId(), d.getContainerName(),
                        address(d.getAddress(), "Docker endpoint " + d.getDockerEndpointId()))).toList(),
                inv.getOvsObserved(),
                inv.getOvsPortsList().stream().map(p -> new HostReport.EndpointPort(p.getPort(), p.getNetworkId(),
                        p.getEndpointId(), p.getDockerEndpointId())).toList());
    }

    /** A leak shows the etcd record; an orphan or a conflict shows what the host reported. */
    static IpamFinding finding(IpamAudit.Finding f, boolean repaired) {
        Endpoint endpoint = f.kind() == IpamAudit.Kind.LEAK && f.endpoint().isPresent()
                ? ProtoMapper.endpoint(f.endpoint().get())
                : Endpoint.newBuilder().setNetworkId(f.ref().networkId()).setEndpointId(f.ref().endpointId())
                        .setHostId(f.host().value()).setAddress(f.address()).setContainerName(f.container()).build();
        IpamFindingKind kind = switch (f.kind()) {
            case LEAK -> IpamFindingKind.IPAM_FINDING_KIND_LEAK;
            case ORPHAN -> IpamFindingKind.IPAM_FINDING_KIND_ORPHAN;
            case CONFLICT -> IpamFindingKind.IPAM_FINDING_KIND_CONFLICT;
        };
        return IpamFinding.newBuilder().setKind(kind).setEndpoint(endpoint).setReason(f.reason())
                .setRepairable(f.repairable()).setRepaired(repaired).build();
    }

    /** Normalizes an address ("10.201.0.2" or Docker's "10.201.0.2/16"); "" stays "". */
    private static String address(String text, String what) {
        if (text.isEmpty()) {
            return "";
        }
        String bare = text.contains("/") ? text.substring(0, text.indexOf('/')) : text;
        try {
            return Ipv4Address.parse(bare).toString();
        } catch (InvalidInputException e) {
            throw new InvalidInputException("the report's " + what + " has address '" + text + "', which is not IPv4");
        }
    }
}
