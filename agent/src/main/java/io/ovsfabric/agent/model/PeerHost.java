package io.ovsfabric.agent.model;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;

/** A live peer: the agent tunnels traffic for {@code subnet} to {@code underlayIp}. */
public record PeerHost(HostId id, Ipv4Address underlayIp, Cidr subnet) implements Comparable<PeerHost> {
    @Override
    public int compareTo(PeerHost other) {
        return id.compareTo(other.id);
    }
}
