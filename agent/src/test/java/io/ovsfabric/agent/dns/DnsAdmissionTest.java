package io.ovsfabric.agent.dns;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.TunnelKey;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DnsAdmissionTest {
    static final List<OverlayNetwork> NETS = List.of(new OverlayNetwork("n1", "appnet", Cidr.parse("10.201.0.0/16"),
            Ipv4Address.parse("10.201.0.1"), TunnelKey.of(0x101)));
    final AtomicLong clock = new AtomicLong(1_000_000_000L);
    final DnsAdmission admission = new DnsAdmission(Optional.of(Cidr.parse("10.200.0.0/16")), 2, 3, clock::get);

    static InetAddress ip(String text) throws Exception {
        return InetAddress.getByName(text);
    }

    @Test
    void onlyTheFabricsClientsAreAnswered() throws Exception {
        for (String ok : List.of("127.0.0.1", "10.200.1.5", "10.200.255.254", "10.201.3.4", "::1")) {
            assertTrue(admission.admits(ip(ok), NETS), ok);
        }
        for (String no : List.of("192.0.2.100", "192.0.2.12", "10.202.0.5", "172.17.0.2", "2001:db8::1")) {
            assertFalse(admission.admits(ip(no), NETS), no);
        }
        assertFalse(admission.admits(ip("10.201.3.4"), List.of()), "a removed network's subnet");
    }

    @Test
    void relayingIsLimitedPerClientAndRefills() throws Exception {
        InetAddress a = ip("10.200.1.5");
        InetAddress b = ip("10.200.1.6");
        for (int i = 0; i < 3; i++) {
            assertTrue(admission.mayForward(a), "burst " + i);
        }
        assertFalse(admission.mayForward(a), "over the burst");
        assertTrue(admission.mayForward(b), "another client has its own bucket");
        clock.addAndGet(500_000_000L); // half a second at 2/s: one token back
        assertTrue(admission.mayForward(a));
        assertFalse(admission.mayForward(a));
        clock.addAndGet(10_000_000_000L);
        for (int i = 0; i < 3; i++) {
            assertTrue(admission.mayForward(a), "refilled up to the burst only: " + i);
        }
        assertFalse(admission.mayForward(a));
    }
}
