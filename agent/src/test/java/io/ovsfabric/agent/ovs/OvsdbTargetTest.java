package io.ovsfabric.agent.ovs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.AgentException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class OvsdbTargetTest {
    @Test
    void parsesBothForms() {
        assertEquals(OvsdbTarget.unix(Path.of("/var/run/openvswitch/db.sock")), OvsdbTarget.parse("unix:/var/run/openvswitch/db.sock"));
        assertEquals(OvsdbTarget.tcp("127.0.0.1", 6640), OvsdbTarget.parse("tcp:127.0.0.1:6640"));
        assertEquals("tcp:127.0.0.1:6640", OvsdbTarget.parse("tcp:127.0.0.1:6640").toString());
        assertTrue(OvsdbTarget.DEFAULT.isUnix());
    }

    @Test
    void refusesAnythingElse() {
        for (String bad : new String[] {"", "unix:", "tcp:127.0.0.1", "tcp:127.0.0.1:0", "tcp:host:x", "ssl:1.2.3.4:6640", "/var/run/db.sock"}) {
            AgentException e = assertThrows(AgentException.class, () -> OvsdbTarget.parse(bad), bad);
            assertTrue(e.getMessage().contains("unix:PATH nor tcp:HOST:PORT"), e.getMessage());
        }
    }
}
