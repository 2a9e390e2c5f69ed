package io.ovsfabric.controller.model;

import io.ovsfabric.common.HostId;

/** The create-if-absent key that makes a subnet belong to exactly one host. */
public record SubnetClaim(HostId hostId, long claimedAtMs) {}
