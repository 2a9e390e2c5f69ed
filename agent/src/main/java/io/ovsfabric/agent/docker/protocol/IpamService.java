package io.ovsfabric.agent.docker.protocol;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.docker.MacAddress;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;

import java.util.Map;
import java.util.Optional;

/**
 * The libnetwork IPAM driver calls in domain terms. Same contract as {@link NetworkDriverService}: requests are
 * well-formed; refusals are {@link io.ovsfabric.agent.docker.AgentException}s that changed nothing.
 */
public interface IpamService {

    /** The only address space: every fabric network lives in it. */
    String ADDRESS_SPACE = "ovsfabric";

    PoolGrant requestPool(PoolRequest request);

    void releasePool(String poolId);

    AddressGrant requestAddress(AddressRequest request);

    void releaseAddress(String poolId, Ipv4Address address);

    /** RequestPool for an IPv4 subnet (the protocol refuses IPv6 and sub-pools). */
    record PoolRequest(String addressSpace, Optional<Cidr> pool, Map<String, String> options) {
        public PoolRequest {
            options = Map.copyOf(options);
        }
    }

    /** The pool id (the same on every host), the pool, and metadata Docker keeps (e.g. the gateway). */
    record PoolGrant(String poolId, Cidr pool, Map<String, String> data) {
        public PoolGrant {
            data = Map.copyOf(data);
        }
    }

    /**
     * RequestAddress. {@code gateway} is set when libnetwork asks for the network's gateway; {@code mac} is the
     * endpoint's MAC, which libnetwork sends because this IPAM requires it (it marks endpoint requests).
     */
    record AddressRequest(String poolId, Optional<Ipv4Address> preferred, boolean gateway, Optional<MacAddress> mac) {}

    record AddressGrant(Ipv4Address address, int prefixLength) {}
}
