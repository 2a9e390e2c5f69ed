package io.ovsfabric.agent.docker;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.common.Ipv4Address;

import java.util.Locale;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/** An Ethernet address, kept in canonical lowercase colon form ("02:42:0a:c9:00:05"). */
public record MacAddress(String value) {
    private static final Pattern FORM = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");

    public MacAddress {
        if (value == null || !FORM.matcher(value).matches()) {
            throw AgentException.invalid("'" + value + "' is not a MAC address (expected six hex pairs, e.g. 02:42:0a:c9:00:05)");
        }
    }

    public static MacAddress parse(String text) {
        if (text == null) {
            throw AgentException.invalid("a MAC address is required (e.g. 02:42:0a:c9:00:05)");
        }
        return new MacAddress(text.trim().toLowerCase(Locale.ROOT).replace('-', ':'));
    }

    /** Docker's convention for a MAC derived from an IPv4 address: 02:42 followed by the four address bytes. */
    public static MacAddress fromIpv4(Ipv4Address address) {
        byte[] b = address.toBytes();
        return new MacAddress(String.format("02:42:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3]));
    }

    /** A random locally administered unicast address. */
    public static MacAddress random(RandomGenerator random) {
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) random.nextInt(256);
        }
        b[0] = (byte) ((b[0] & 0xfc) | 0x02);
        return new MacAddress(String.format("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]));
    }

    /** The twelve hex digits without separators. */
    public String hex() {
        return value.replace(":", "");
    }

    @Override
    public String toString() {
        return value;
    }
}
