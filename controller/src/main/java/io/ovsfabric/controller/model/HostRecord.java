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
 */
public record HostRecord(HostId hostId, Ipv4Address underlayIp, Cidr subnet, Map<String, String> capabilities,
        long allocatedAtMs, boolean registered, long registeredAtMs, long downSinceMs) {

    public HostRecord {
        capabilities = capabilities == null ? Map.of() : Map.copyOf(new TreeMap<>(capabilities));
    }

    public HostRecord registeredAgain(Ipv4Address newUnderlayIp, Map<String, String> newCapabilities, long nowMs) {
        return new HostRecord(hostId, newUnderlayIp, subnet, newCapabilities, allocatedAtMs, true, nowMs, 0);
    }

    public HostRecord markedDown(long nowMs) {
        return new HostRecord(hostId, underlayIp, subnet, capabilities, allocatedAtMs, registered, registeredAtMs, nowMs);
    }
}
