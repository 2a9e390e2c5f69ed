package io.ovsfabric.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GreFramesTest {
    // Lines as tcpdump 4.99 printed them on the lab's underlay switch.
    private static final String ECHO = "09:13:28.005289 IP 192.0.2.11 > 192.0.2.13: GREv0, key=0x1, length 106: "
            + "IP 10.200.1.128 > 10.200.3.128: ICMP echo request, id 35, seq 0, length 64";
    private static final String ARP_TO_H2 = "09:13:29.098536 IP 192.0.2.11 > 192.0.2.12: GREv0, key=0x1, length 50: "
            + "ARP, Request who-has 10.200.2.250 (ff:ff:ff:ff:ff:ff) tell 10.200.1.128, length 28";
    private static final String ARP_TO_H3 = "09:13:29.098600 IP 192.0.2.11 > 192.0.2.13: GREv0, key=0x1, length 50: "
            + "ARP, Request who-has 10.200.2.250 tell 10.200.1.128, length 28";
    private static final String UNDERLAY_ARP = "09:13:29.1 ARP, Request who-has 192.0.2.12 tell 192.0.2.11, length 28";

    @Test
    void parsesOuterAddressesAndInnerDecode() {
        GreFrames.Frame f = GreFrames.parse(ECHO).orElseThrow();
        assertEquals("192.0.2.11", f.outerSrc());
        assertEquals("192.0.2.13", f.outerDst());
        assertTrue(GreFrames.isEchoRequest(f, "10.200.1.128", "10.200.3.128"));
        assertFalse(GreFrames.isEchoRequest(f, "10.200.3.128", "10.200.1.128"));
    }

    @Test
    void ignoresWhatIsNotGre() {
        assertTrue(GreFrames.parse(UNDERLAY_ARP).isEmpty());
        assertTrue(GreFrames.parse("reading from file x.pcap, link-type EN10MB").isEmpty());
    }

    @Test
    void countsArpRequestsPerDestinationHost() {
        List<GreFrames.Frame> frames = GreFrames.parseAll(List.of(ECHO, ARP_TO_H2, ARP_TO_H3, ARP_TO_H2, UNDERLAY_ARP));
        assertEquals(Map.of("192.0.2.12", 2L, "192.0.2.13", 1L), GreFrames.arpRequestsByDestination(frames, "10.200.2.250"));
        assertEquals(Map.of(), GreFrames.arpRequestsByDestination(frames, "10.200.9.9"));
        assertEquals("10.200.2.250", GreFrames.arpTarget(GreFrames.parse(ARP_TO_H3).orElseThrow()).orElseThrow());
        assertTrue(GreFrames.arpTarget(GreFrames.parse(ECHO).orElseThrow()).isEmpty());
    }
}
