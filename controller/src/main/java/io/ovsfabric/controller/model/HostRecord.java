package io.ovsfabric.controller.model;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import java.util.Map;
import java.util.TreeMap;

/**
 * What etcd keeps about a host, whatever its liveness: the subnet it holds and where it was last seen. Liveness is
 * not in here: it is the presence of the host's lease-bound live key ({@link LiveRecord}).
 *
 * @param allocatedAtMs  when the subnet was first allocated to the host
 * @param registered     false while the host is only reserved by an admin and never registered
 * @param registeredAtMs last successful registration (0 if never)
 * @param downSinceMs    when the leader first saw the host without a live lease (0 while up or never registered)
 * @param leftAtMs       when the host left gracefully (Deregister), 0 otherwise: peers drop the tunnel of a host that
 *                       left, but keep the tunnel of one whose lease merely expired (it may only be cut off from us)
 */
public record HostRecord(HostId hostId, Ipv4Address underlayIp, Cidr subnet, Map<String, String> capabilities,
        long allocatedAtMs, boolean registered, long registeredAtMs, long downSinceMs, long leftAtMs) {

    public HostRecord {
        capabilities = capabilities == null ? Map.of() : Map.copyOf(new TreeMap<>(capabilities));
    }

    public HostRecord(HostId hostId, Ipv4Address underlayIp, Cidr subnet, Map<String, String> capabilities,
            long allocatedAtMs, boolean registered, long registeredAtMs, long downSinceMs) {
        this(hostId, underlayIp, subnet, capabilities, allocatedAtMs, registered, registeredAtMs, downSinceMs, 0);
    }

    public HostRecord registeredAgain(Ipv4Address newUnderlayIp, Map<String, String> newCapabilities, long nowMs) {
        return new HostRecord(hostId, newUnderlayIp, subnet, newCapabilities, allocatedAtMs, true, nowMs, 0, 0);
    }

    public HostRecord markedDown(long nowMs) {
        return new HostRecord(hostId, underlayIp, subnet, capabilities, allocatedAtMs, registered, registeredAtMs, nowMs,
                leftAtMs);
    }

    /** Deregistered: DOWN from now on, and gone from the peers' forwarding. */
    public HostRecord leftGracefully(long nowMs) {
        return new HostRecord(hostId, underlayIp, subnet, capabilities, allocatedAtMs, registered, registeredAtMs,
                downSinceMs == 0 ? nowMs : downSinceMs, nowMs);
    }

    public boolean left() {
        return leftAtMs != 0;
    }
}
