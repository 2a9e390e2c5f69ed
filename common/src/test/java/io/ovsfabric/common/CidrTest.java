package io.ovsfabric.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CidrTest {

    @Test
    void parsesAndPrints() {
        Cidr cidr = Cidr.parse("10.200.0.0/16");
        assertEquals("10.200.0.0/16", cidr.toString());
        assertEquals(65536, cidr.size());
        assertEquals("10.200.255.255", cidr.broadcast().toString());
        assertEquals("10.200.0.1", cidr.firstUsable().toString());
    }

    @Test
    void refusesHostBitsAndSaysWhatWasMeant() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Cidr.parse("10.200.3.7/16"));
        assertTrue(e.getMessage().contains("did you mean 10.200.0.0/16"), e.getMessage());
    }

    @Test
    void refusesMalformedText() {
        for (String bad : new String[] {"", "10.0.0.0", "10.0.0.0/33", "10.0.0/8", "10.0.0.256/24", "a.b.c.d/8", "10.0.0.0/x"}) {
            assertThrows(InvalidInputException.class, () -> Cidr.parse(bad), bad);
        }
    }

    @Test
    void splitsIntoSubnetsInAddressOrder() {
        Cidr fabric = Cidr.parse("10.200.0.0/16");
        assertEquals(256, fabric.subnetCount(24));
        assertEquals("10.200.0.0/24", fabric.subnet(24, 0).toString());
        assertEquals("10.200.3.0/24", fabric.subnet(24, 3).toString());
        assertEquals("10.200.255.0/24", fabric.subnet(24, 255).toString());
        assertEquals(3, fabric.indexOf(Cidr.parse("10.200.3.0/24")));
        assertThrows(IndexOutOfBoundsException.class, () -> fabric.subnet(24, 256));
        assertThrows(InvalidInputException.class, () -> fabric.subnetCount(16));
    }

    @Test
    void containmentAndOverlap() {
        Cidr fabric = Cidr.parse("10.200.0.0/16");
        assertTrue(fabric.contains(Ipv4Address.parse("10.200.9.9")));
        assertFalse(fabric.contains(Ipv4Address.parse("10.201.0.1")));
        assertTrue(fabric.overlaps(Cidr.parse("10.0.0.0/8")));
        assertFalse(fabric.overlaps(Cidr.parse("10.201.0.0/16")));
        assertTrue(Cidr.parse("0.0.0.0/0").contains(Ipv4Address.parse("255.255.255.255")));
    }

    @Test
    void keyFormRoundTrips() {
        Cidr subnet = Cidr.parse("10.200.3.0/24");
        assertEquals("10.200.3.0-24", subnet.keyForm());
        assertEquals(subnet, Cidr.fromKeyForm(subnet.keyForm()));
    }

    @Test
    void hostIdsAreDnsLabels() {
        assertEquals("node-07", HostId.of("node-07").value());
        for (String bad : new String[] {"", "-h1", "h1-", "H1", "h_1", "a".repeat(64), "h1/x"}) {
            assertThrows(InvalidInputException.class, () -> HostId.of(bad), bad);
        }
    }
}
