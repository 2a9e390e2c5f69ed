package io.ovsfabric.agent.plan;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;

/** An address on an interface with its prefix length, e.g. 10.200.1.1/16 (host bits set, unlike {@link Cidr}). */
public record InterfaceAddress(Ipv4Address address, int prefixLength) implements Comparable<InterfaceAddress> {

    public InterfaceAddress {
        if (prefixLength < 0 || prefixLength > 32) {
            throw AgentException.invalid("prefix length " + prefixLength + " is outside 0-32");
        }
    }

    public static InterfaceAddress parse(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash < 0) {
            throw AgentException.invalid("'" + text + "' is not an interface address (e.g. 192.0.2.1/24)");
        }
        try {
            return new InterfaceAddress(Ipv4Address.parse(text.substring(0, slash)),
                    Integer.parseInt(text.substring(slash + 1).trim()));
        } catch (NumberFormatException e) {
            throw AgentException.invalid("'" + text + "' is not an interface address (e.g. 192.0.2.1/24)");
        }
    }

    /** The network this address sits in. */
    public Cidr network() {
        return new Cidr(new Ipv4Address(address.bits() & Cidr.mask(prefixLength)), prefixLength);
    }

    @Override
    public int compareTo(InterfaceAddress other) {
        int byAddress = address.compareTo(other.address);
        return byAddress != 0 ? byAddress : Integer.compare(prefixLength, other.prefixLength);
    }

    @Override
    public String toString() {
        return address + "/" + prefixLength;
    }
}
