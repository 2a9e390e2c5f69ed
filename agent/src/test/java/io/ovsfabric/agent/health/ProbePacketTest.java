package io.ovsfabric.agent.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.HostId;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProbePacketTest {
    @Test
    void roundTripsAndAnswersCarryTheRequestSeq() {
        ProbePacket request = new ProbePacket(ProbePacket.Kind.REQUEST, 0x0102030405060708L, HostId.of("node-07"));
        byte[] bytes = request.encode();
        assertEquals(Optional.of(request), ProbePacket.decode(bytes, bytes.length));
        ProbePacket answer = request.answerFrom(HostId.of("h2"));
        assertEquals(ProbePacket.Kind.ANSWER, answer.kind());
        assertEquals(request.seq(), answer.seq());
        assertTrue(answer.encode().length <= bytes.length + 5, "an answer is about the request's size");
    }

    @Test
    void anythingElseIsIgnored() {
        byte[] ok = new ProbePacket(ProbePacket.Kind.REQUEST, 1, HostId.of("h1")).encode();
        assertEquals(Optional.empty(), ProbePacket.decode(ok, ok.length - 1), "truncated");
        byte[] junk = "hello, is this the DNS server".getBytes(StandardCharsets.US_ASCII);
        assertEquals(Optional.empty(), ProbePacket.decode(junk, junk.length));
        byte[] badKind = ok.clone();
        badKind[5] = 9;
        assertEquals(Optional.empty(), ProbePacket.decode(badKind, badKind.length));
        byte[] badId = ok.clone();
        badId[ok.length - 1] = 'X';   // uppercase: not a host id
        assertEquals(Optional.empty(), ProbePacket.decode(badId, badId.length));
    }
}
