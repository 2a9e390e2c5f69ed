package io.ovsfabric.controller.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.common.Ipv4Address;
import org.junit.jupiter.api.Test;

class KeyLayoutTest {
    private final KeyLayout keys = new KeyLayout("/ovsfabric/v1");

    @Test
    void buildsAndParsesEveryKind() {
        assertEquals("/ovsfabric/v1/config", keys.config());
        assertEquals("/ovsfabric/v1/subnets/10.200.3.0-24", keys.subnet(Cidr.parse("10.200.3.0/24")));
        assertEquals("/ovsfabric/v1/hosts/h1", keys.host(HostId.of("h1")));
        assertEquals("/ovsfabric/v1/live/h1", keys.live(HostId.of("h1")));
        assertEquals(new KeyLayout.ParsedKey(KeyLayout.Kind.HOST, "h1", ""), keys.parse(keys.host(HostId.of("h1"))).orElseThrow());
        assertEquals(new KeyLayout.ParsedKey(KeyLayout.Kind.ADDRESS, "n1", "10.201.0.7"),
                keys.parse(keys.address("n1", Ipv4Address.parse("10.201.0.7"))).orElseThrow());
        assertEquals(KeyLayout.Kind.CONFIG, keys.parse(keys.config()).orElseThrow().kind());
        assertEquals(KeyLayout.Kind.LEADER, keys.parse(keys.election() + "/694d7a").orElseThrow().kind());
        assertTrue(keys.parse("/ovsfabric/v1/unknown/x").isEmpty());
        assertTrue(keys.parse("/other/v1/hosts/h1").isEmpty());
    }

    @Test
    void refusesRelativePrefixes() {
        assertThrows(InvalidInputException.class, () -> new KeyLayout("ovsfabric/v1/"));
    }
}
