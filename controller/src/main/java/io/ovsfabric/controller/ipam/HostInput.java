package io.ovsfabric.controller.ipam;

import io.ovsfabric.common.HostId;
import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.controller.model.FabricPlan;

/** Validated registration input (pure): a host id and an underlay IP that can carry the fabric's tunnels. */
public record HostInput(HostId hostId, Ipv4Address underlayIp) {
    private static final Cidr LOOPBACK = Cidr.parse("127.0.0.0/8");
    private static final Cidr MULTICAST = Cidr.parse("224.0.0.0/4");

    /** Parses and checks both fields; the message names the offending value and the rule. */
    public static HostInput parse(String hostId, String underlayIp, FabricPlan plan) {
        HostId id = HostId.of(hostId);
        Ipv4Address ip;
        try {
            ip = Ipv4Address.parse(underlayIp);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("underlay IP of host " + id + ": " + e.getMessage());
        }
        if (ip.bits() == 0 || ip.bits() == -1 || LOOPBACK.contains(ip) || MULTICAST.contains(ip) || ip.unsigned() >= 0xf0000000L) {
            throw new InvalidInputException("underlay IP " + ip + " of host " + id + " cannot carry tunnels"
                    + " (unspecified, loopback, multicast or reserved): give the address peers reach this host at");
        }
        if (plan.fabricCidr().contains(ip)) {
            throw new InvalidInputException("underlay IP " + ip + " of host " + id + " is inside the fabric CIDR "
                    + plan.fabricCidr() + ": the underlay is the hosts' real network and must be outside the overlay");
        }
        return new HostInput(id, ip);
    }
}
