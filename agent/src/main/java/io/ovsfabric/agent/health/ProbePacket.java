package io.ovsfabric.agent.health;

import io.ovsfabric.common.HostId;
import io.ovsfabric.common.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The probe on the wire (one UDP datagram, both ways): magic {@code "OFXP"}, version 1, kind (1 request, 2 answer),
 * the 8-byte sequence number, and the sender's host id (1 length byte + ASCII). An answer carries the request's
 * sequence number and the answering host's id; it is never bigger than the request (no amplification).
 */
public record ProbePacket(Kind kind, long seq, HostId sender) {
    public enum Kind { REQUEST, ANSWER }

    private static final int MAGIC = 0x4f465850;   // "OFXP"
    private static final byte VERSION = 1;
    /** The largest datagram: 15 bytes of header and a 63-character host id. */
    public static final int MAX_BYTES = 15 + 63;

    public byte[] encode() {
        byte[] id = sender.value().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer buf = ByteBuffer.allocate(15 + id.length);
        buf.putInt(MAGIC).put(VERSION).put((byte) (kind == Kind.REQUEST ? 1 : 2)).putLong(seq).put((byte) id.length).put(id);
        return buf.array();
    }

    /** The probe in {@code data[0..length)}; empty for anything else (a stray datagram is ignored, not an error). */
    public static Optional<ProbePacket> decode(byte[] data, int length) {
        if (length < 16 || length > MAX_BYTES) {
            return Optional.empty();
        }
        ByteBuffer buf = ByteBuffer.wrap(data, 0, length);
        if (buf.getInt() != MAGIC || buf.get() != VERSION) {
            return Optional.empty();
        }
        byte kind = buf.get();
        long seq = buf.getLong();
        int idLength = buf.get() & 0xff;
        if ((kind != 1 && kind != 2) || idLength != buf.remaining()) {
            return Optional.empty();
        }
        byte[] id = new byte[idLength];
        buf.get(id);
        try {
            return Optional.of(new ProbePacket(kind == 1 ? Kind.REQUEST : Kind.ANSWER, seq,
                    HostId.of(new String(id, StandardCharsets.US_ASCII))));
        } catch (InvalidInputException e) {
            return Optional.empty();
        }
    }

    public ProbePacket answerFrom(HostId self) {
        return new ProbePacket(Kind.ANSWER, seq, self);
    }
}
