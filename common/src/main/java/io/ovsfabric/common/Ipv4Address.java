package io.ovsfabric.common;

/** An IPv4 address, held as an unsigned 32-bit value. */
public record Ipv4Address(int bits) implements Comparable<Ipv4Address> {

    /** Parses dotted-quad text ("192.0.2.1"); rejects anything else with a message that shows the input. */
    public static Ipv4Address parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("an IPv4 address is required (dotted quad, e.g. 192.0.2.1)");
        }
        String[] parts = text.trim().split("\\.", -1);
        if (parts.length != 4) {
            throw new InvalidInputException("'" + text + "' is not an IPv4 address (expected dotted quad, e.g. 192.0.2.1)");
        }
        int bits = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
                throw new InvalidInputException("'" + text + "' is not an IPv4 address (each part is a number 0-255)");
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                throw new InvalidInputException("'" + text + "' is not an IPv4 address (" + octet + " is above 255)");
            }
            bits = (bits << 8) | octet;
        }
        return new Ipv4Address(bits);
    }

    public static boolean isValid(String text) {
        try {
            parse(text);
            return true;
        } catch (InvalidInputException e) {
            return false;
        }
    }

    public long unsigned() {
        return Integer.toUnsignedLong(bits);
    }

    public Ipv4Address plus(long offset) {
        return new Ipv4Address((int) (unsigned() + offset));
    }

    public byte[] toBytes() {
        return new byte[] {(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8), (byte) bits};
    }

    @Override
    public int compareTo(Ipv4Address other) {
        return Integer.compareUnsigned(bits, other.bits);
    }

    @Override
    public String toString() {
        return ((bits >>> 24) & 0xff) + "." + ((bits >>> 16) & 0xff) + "." + ((bits >>> 8) & 0xff) + "." + (bits & 0xff);
    }
}
