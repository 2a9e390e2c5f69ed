package io.ovsfabric.agent.model;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;

/** This host's registration: its subnet, gateway (docker0's address) and the MTU the controller handed out. */
public record LocalHost(HostId id, Ipv4Address underlayIp, Cidr subnet, Ipv4Address gateway, int mtu) {}
