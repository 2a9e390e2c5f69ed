package io.ovsfabric.agent.model;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;

/**
 * One host record of the fabric as the controller streams it. {@code up} is true while the host holds a live
 * lease; DOWN and RESERVED hosts keep their subnet but get no tunnel.
 */
public record FabricHost(HostId id, Ipv4Address underlayIp, Cidr subnet, boolean up) {}
