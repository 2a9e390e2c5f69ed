package io.ovsfabric.controller.ipam;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.controller.model.FabricPlan;
import java.util.regex.Pattern;

/** Validated input for a new user network (pure). */
public record NetworkInput(String name, Cidr subnet, Ipv4Address gateway) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
    private static final Pattern HANDLE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");
    public static final int MAX_PREFIX = 30;

    public static NetworkInput parse(String name, String subnet, String gateway, FabricPlan plan) {
        requireName(name);
        Cidr cidr;
        try {
            cidr = Cidr.parse(subnet);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("subnet of network " + name + ": " + e.getMessage());
        }
        if (cidr.prefixLength() > MAX_PREFIX || cidr.prefixLength() < 8) {
            throw new InvalidInputException("subnet " + cidr + " of network " + name + " must be between /8 and /" + MAX_PREFIX
                    + " (room for a gateway and containers)");
        }
        if (cidr.overlaps(plan.fabricCidr())) {
            throw new InvalidInputException("subnet " + cidr + " of network " + name + " overlaps the fabric CIDR "
                    + plan.fabricCidr() + " (the hosts' docker0 ranges): pick a range outside it, e.g. 10.201.0.0/16");
        }
        Ipv4Address gw = cidr.firstUsable();
        if (gateway != null && !gateway.isBlank()) {
            try {
                gw = Ipv4Address.parse(gateway);
            } catch (InvalidInputException e) {
                throw new InvalidInputException("gateway of network " + name + ": " + e.getMessage());
            }
            if (!cidr.contains(gw) || gw.equals(cidr.network()) || gw.equals(cidr.broadcast())) {
                throw new InvalidInputException("gateway " + gw + " of network " + name + " must be a usable address of " + cidr);
            }
        }
        return new NetworkInput(name, cidr, gw);
    }

    public static void requireName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidInputException("invalid network name '" + name + "': use 1-63 letters, digits, '_', '.' or '-',"
                    + " starting with a letter or digit (e.g. appnet)");
        }
    }

    /** An endpoint id (allocation handle): Docker's endpoint ids and similar; no '/' since it is part of a key. */
    public static void requireHandle(String endpointId) {
        if (endpointId == null || !HANDLE.matcher(endpointId).matches()) {
            throw new InvalidInputException("invalid endpoint id '" + endpointId + "': use 1-128 letters, digits, '_', '.', ':'"
                    + " or '-' (the allocation handle, e.g. Docker's endpoint id)");
        }
    }
}
