package io.ovsfabric.controller.model;

import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;

/** The lease-bound key saying a host is alive; etcd deletes it when the lease expires or is revoked. */
public record LiveRecord(HostId hostId, long leaseId, Ipv4Address underlayIp, long sinceMs, String controllerId) {}
