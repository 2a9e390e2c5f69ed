package io.ovsfabric.controller.model;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import java.time.Duration;

/**
 * The fabric-wide address plan, stored once in etcd and never rewritten under running hosts.
 *
 * @param tunnelKey      GRE key of the default (docker0) network
 * @param underlayMtu    MTU every host's underlay must carry
 * @param tunnelOverhead bytes GRE with a key adds: outer IPv4 20 + GRE 8 + inner Ethernet 14
 * @param reservedHead   addresses at the start of each host subnet Docker never hands out (network address and
 *                       gateway)
 * @param fabricId       random id chosen when the plan was first stored
 * @param createdAtMs    when the plan was first stored
 * @param leaseTtlMs     a host that misses keep-alives this long turns DOWN
 * @param reclaimGraceMs how long a DOWN host's subnet stays reserved to it
 */
public record FabricPlan(Cidr fabricCidr, int hostPrefix, long tunnelKey, int underlayMtu, int tunnelOverhead,
        int reservedHead, String fabricId, long createdAtMs, long leaseTtlMs, long reclaimGraceMs) {

    public Duration leaseTtl() {
        return Duration.ofMillis(leaseTtlMs);
    }

    public Duration reclaimGrace() {
        return Duration.ofMillis(reclaimGraceMs);
    }

    public static final int GRE_OVERHEAD = 42;
    public static final int RESERVED_HEAD = 2;
    /** Subnet index 0 of the fabric is never handed to a host (see docs/controller.md). */
    public static final int FIRST_HOST_SUBNET_INDEX = 1;

    /** MTU for docker0 and containers. */
    public int overlayMtu() {
        return underlayMtu - tunnelOverhead;
    }

    /** How many host subnets the fabric CIDR splits into (including the unused index 0). */
    public long subnetCount() {
        return fabricCidr.subnetCount(hostPrefix);
    }

    /** How many of them can be handed to hosts. */
    public long assignableSubnets() {
        return subnetCount() - FIRST_HOST_SUBNET_INDEX;
    }

    public Cidr subnet(long index) {
        return fabricCidr.subnet(hostPrefix, index);
    }

    /** The gateway (docker0's address) of a host subnet: its first usable address. */
    public static Ipv4Address gatewayOf(Cidr hostSubnet) {
        return hostSubnet.firstUsable();
    }
}
