package io.ovsfabric.controller.ipam;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.common.Ipv4Address;
import java.util.BitSet;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Endpoint address policy for a user network (pure): every address of the subnet except the network address, the
 * broadcast address and the gateway. First attempt: lowest free; retries after a lost race: from a random point.
 */
public final class AddressPool {
    private final Cidr subnet;
    private final Ipv4Address gateway;

    public AddressPool(Cidr subnet, Ipv4Address gateway) {
        this.subnet = subnet;
        this.gateway = gateway;
    }

    public long usable() {
        return subnet.size() - 3;
    }

    public Optional<Ipv4Address> choose(Set<Ipv4Address> held, int attempt, RandomGenerator random) {
        long size = subnet.size();
        long start = attempt == 0 ? 1 : 1 + random.nextLong(size - 2);
        for (long i = 0; i < size - 2; i++) {
            Ipv4Address candidate = subnet.address(1 + (start - 1 + i) % (size - 2));
            if (!candidate.equals(gateway) && !held.contains(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * The first free address from offset {@code start} on (wrapping around once): {@code held} has bit i set when
     * the subnet's i-th address is held; {@code excluded} are addresses being tried or just taken by this
     * controller. Never the network address, the broadcast address or the gateway.
     */
    public Optional<Ipv4Address> choose(BitSet held, Set<Ipv4Address> excluded, long start) {
        long size = subnet.size();
        if (size < 4) {
            return Optional.empty();
        }
        long last = size - 2;
        long gatewayOffset = gateway.unsigned() - subnet.network().unsigned();
        int from = (int) Math.max(1, Math.min(last, start));
        for (int pass = 0; pass < 2; pass++) {
            long limit = pass == 0 ? last : from - 1;
            int i = held.nextClearBit(pass == 0 ? from : 1);
            while (i <= limit) {
                Ipv4Address candidate = subnet.address(i);
                if (i != gatewayOffset && !excluded.contains(candidate)) {
                    return Optional.of(candidate);
                }
                i = held.nextClearBit(i + 1);
            }
        }
        return Optional.empty();
    }

    /** A random usable offset to start a search from (after a lost race). */
    public long randomStart(RandomGenerator random) {
        return 1 + random.nextLong(Math.max(1, subnet.size() - 2));
    }

    /** Checks a requested address: inside the subnet and neither network, broadcast nor gateway. */
    public Ipv4Address requireAssignable(String text, String networkName) {
        Ipv4Address address;
        try {
            address = Ipv4Address.parse(text);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("preferred address for network " + networkName + ": " + e.getMessage());
        }
        if (!subnet.contains(address) || address.equals(subnet.network()) || address.equals(subnet.broadcast())) {
            throw new InvalidInputException("address " + address + " is not a usable address of network " + networkName + " (" + subnet + ")");
        }
        if (address.equals(gateway)) {
            throw new InvalidInputException("address " + address + " is the gateway of network " + networkName + " and cannot be given to an endpoint");
        }
        return address;
    }
}
