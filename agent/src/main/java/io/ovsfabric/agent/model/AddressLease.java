package io.ovsfabric.agent.model;

import io.ovsfabric.common.Ipv4Address;

/** An address the controller holds for one allocation handle in one network. */
public record AddressLease(String networkId, AllocationHandle handle, Ipv4Address address, int prefixLength,
        Ipv4Address gateway) {}
