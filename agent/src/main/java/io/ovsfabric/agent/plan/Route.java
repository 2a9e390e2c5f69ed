package io.ovsfabric.agent.plan;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;

/** An IPv4 route through a gateway (the only kind the agent moves between interfaces). */
public record Route(Cidr destination, Ipv4Address gateway, String device) {

    public Route onDevice(String other) {
        return new Route(destination, gateway, other);
    }

    /** "0.0.0.0/0 via 192.0.2.1": the form kept in OVSDB external_ids (device-free, it changes on the move). */
    public String storedForm() {
        return destination + " via " + gateway;
    }

    public static Route parseStored(String text, String device) {
        String[] parts = text.trim().split(" via ");
        if (parts.length != 2) {
            throw AgentException.invalid("'" + text + "' is not a stored route (e.g. 0.0.0.0/0 via 192.0.2.1)");
        }
        return new Route(Cidr.parse(parts[0]), Ipv4Address.parse(parts[1]), device);
    }

    @Override
    public String toString() {
        return (destination.prefixLength() == 0 ? "default" : destination.toString()) + " via " + gateway + " dev "
                + device;
    }
}
