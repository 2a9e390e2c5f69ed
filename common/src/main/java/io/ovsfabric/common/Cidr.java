package io.ovsfabric.common;

/**
 * An IPv4 network in CIDR notation. The address is always the network address: "10.200.3.7/24" is refused,
 * because a plan written with host bits set is almost always a typo.
 */
public record Cidr(Ipv4Address network, int prefixLength) implements Comparable<Cidr> {

    public Cidr {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new InvalidInputException("prefix length " + prefixLength + " is outside 0-32");
        }
        if ((network.bits() & ~mask(prefixLength)) != 0) {
            throw new InvalidInputException(network + "/" + prefixLength + " has host bits set; did you mean "
                    + new Ipv4Address(network.bits() & mask(prefixLength)) + "/" + prefixLength + "?");
        }
    }

    public static Cidr parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("a CIDR is required (e.g. 10.200.0.0/16)");
        }
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new InvalidInputException("'" + text + "' is not a CIDR: add a prefix length (e.g. 10.200.0.0/16)");
        }
        Ipv4Address address;
        try {
            address = Ipv4Address.parse(text.substring(0, slash));
        } catch (InvalidInputException e) {
            throw new InvalidInputException("'" + text + "' is not a CIDR: " + e.getMessage());
        }
        String prefix = text.substring(slash + 1).trim();
        if (prefix.isEmpty() || prefix.length() > 2 || !prefix.chars().allMatch(Character::isDigit)) {
            throw new InvalidInputException("'" + text + "' is not a CIDR: the prefix length must be a number 0-32");
        }
        return new Cidr(address, Integer.parseInt(prefix));
    }

    /** Network mask for a prefix length, as bits (prefix 0 gives 0, not -1). */
    public static int mask(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    public int mask() {
        return mask(prefixLength);
    }

    /** Number of addresses in the network, including network and broadcast addresses. */
    public long size() {
        return 1L << (32 - prefixLength);
    }

    public Ipv4Address broadcast() {
        return new Ipv4Address(network.bits() | ~mask());
    }

    /** The n-th address of the network (0 is the network address). */
    public Ipv4Address address(long index) {
        if (index < 0 || index >= size()) {
            throw new IndexOutOfBoundsException("address index " + index + " outside " + this);
        }
        return network.plus(index);
    }

    /** First usable address: the conventional gateway. */
    public Ipv4Address firstUsable() {
        return prefixLength >= 31 ? network : network.plus(1);
    }

    public boolean contains(Ipv4Address address) {
        return (address.bits() & mask()) == network.bits();
    }

    public boolean contains(Cidr other) {
        return other.prefixLength >= prefixLength && contains(other.network);
    }

    public boolean overlaps(Cidr other) {
        return contains(other.network) || other.contains(network);
    }

    /** How many subnets of the given prefix length this network splits into. */
    public long subnetCount(int subnetPrefix) {
        requireLongerPrefix(subnetPrefix);
        return 1L << (subnetPrefix - prefixLength);
    }

    /** The index-th subnet of the given prefix length (0-based, in address order). */
    public Cidr subnet(int subnetPrefix, long index) {
        long count = subnetCount(subnetPrefix);
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("subnet index " + index + " outside 0.." + (count - 1) + " of " + this);
        }
        return new Cidr(network.plus(index << (32 - subnetPrefix)), subnetPrefix);
    }

    /** Position of a subnet inside this network (inverse of {@link #subnet}). */
    public long indexOf(Cidr subnet) {
        if (!contains(subnet)) {
            throw new InvalidInputException(subnet + " is not inside " + this);
        }
        return (subnet.network.unsigned() - network.unsigned()) >>> (32 - subnet.prefixLength);
    }

    private void requireLongerPrefix(int subnetPrefix) {
        if (subnetPrefix <= prefixLength || subnetPrefix > 32) {
            throw new InvalidInputException("subnet prefix /" + subnetPrefix + " must be longer than /" + prefixLength
                    + " and at most /32");
        }
    }

    /** A form safe in etcd keys and file names: "10.200.3.0-24". */
    public String keyForm() {
        return network + "-" + prefixLength;
    }

    public static Cidr fromKeyForm(String key) {
        return parse(key.replace('-', '/'));
    }

    @Override
    public int compareTo(Cidr other) {
        int byNetwork = network.compareTo(other.network);
        return byNetwork != 0 ? byNetwork : Integer.compare(prefixLength, other.prefixLength);
    }

    @Override
    public String toString() {
        return network + "/" + prefixLength;
    }
}
