package io.ovsfabric.common;

/** An IPv4 address, held as an unsigned 32-bit value. */
public record Ipv4Address(int bits) implements Comparable<Ipv4Address> {

    /**
     * Parses dotted-quad text ("192.0.2.1"); rejects anything else with a message that shows the input. One pass over
     * the characters, nothing allocated: an agent parses every endpoint's address of every snapshot it gets (20,000
     * of them after a reconnect).
     */
    public static Ipv4Address parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("an IPv4 address is required (dotted quad, e.g. 192.0.2.1)");
        }
        int end = text.length();
        int at = 0;
        while (Character.isWhitespace(text.charAt(at))) {
            at++;
        }
        while (Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        int bits = 0;
        for (int part = 0; part < 4; part++) {
            if (part > 0) {
                if (at == end || text.charAt(at) != '.') {
                    throw notDottedQuad(text);
                }
                at++;
            }
            int octet = 0;
            int digits = 0;
            while (at < end && text.charAt(at) != '.') {
                char c = text.charAt(at++);
                if (c < '0' || c > '9' || ++digits > 3) {
                    throw new InvalidInputException("'" + text + "' is not an IPv4 address (each part is a number 0-255)");
                }
                octet = octet * 10 + (c - '0');
            }
            if (digits == 0) {
                throw new InvalidInputException("'" + text + "' is not an IPv4 address (each part is a number 0-255)");
            }
            if (octet > 255) {
                throw new InvalidInputException("'" + text + "' is not an IPv4 address (" + octet + " is above 255)");
            }
            bits = (bits << 8) | octet;
        }
        if (at != end) {
            throw notDottedQuad(text);
        }
        return new Ipv4Address(bits);
    }

    private static InvalidInputException notDottedQuad(String text) {
        return new InvalidInputException("'" + text + "' is not an IPv4 address (expected dotted quad, e.g. 192.0.2.1)");
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
