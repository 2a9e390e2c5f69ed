package io.ovsfabric.common;

/**
 * A GRE key: an unsigned 32-bit number (0-4294967295), as RFC 2890 and the proto's {@code uint32 tunnel_key} define
 * it. Java has no unsigned int, so the key is held in a long and crosses the wire with {@link #fromWire(int)} and
 * {@link #toWire()}; never widen the wire's int with a cast (a key of 2^31 or more would turn negative).
 */
public record TunnelKey(long value) implements Comparable<TunnelKey> {
    public static final long MAX = 0xffff_ffffL;

    public TunnelKey {
        if (value < 0 || value > MAX) {
            throw new InvalidInputException("GRE key " + value + " is outside 0-" + MAX + " (an unsigned 32-bit number)");
        }
    }

    public static TunnelKey of(long value) {
        return new TunnelKey(value);
    }

    /** The key from a protobuf {@code uint32} (which Java reads as a signed int). */
    public static TunnelKey fromWire(int wire) {
        return new TunnelKey(Integer.toUnsignedLong(wire));
    }

    /** Parses an unsigned decimal ("4294967295") or a hex number with 0x ("0xffffffff"). */
    public static TunnelKey parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("a GRE key is required (0-" + MAX + ")");
        }
        String t = text.strip();
        try {
            boolean hex = t.startsWith("0x") || t.startsWith("0X");
            return new TunnelKey(Long.parseLong(hex ? t.substring(2) : t, hex ? 16 : 10));
        } catch (NumberFormatException e) {
            throw new InvalidInputException("'" + text + "' is not a GRE key (a number 0-" + MAX + ")");
        }
    }

    /** The key for a protobuf {@code uint32} setter: the same 32 bits, in a signed int. */
    public int toWire() {
        return (int) value;
    }

    /** As OVS prints it in flows ({@code tun_id=0xffffffff}). */
    public String hex() {
        return "0x" + Long.toHexString(value);
    }

    @Override
    public int compareTo(TunnelKey other) {
        return Long.compare(value, other.value);
    }

    /** The unsigned decimal value. */
    @Override
    public String toString() {
        return Long.toString(value);
    }
}
