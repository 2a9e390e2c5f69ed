package io.ovsfabric.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.state.StateDirLock;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TeardownCommandTest {
    @TempDir
    Path state;

    @Test
    void teardownIsRefusedWhileAnAgentHoldsTheStateDirAndTouchesNothing() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        try (StateDirLock running = StateDirLock.acquire(state, "run")) {
            // The OVSDB target does not exist: the refusal must come before anything is opened.
            int exit = AgentMainAccess.commandLine(out, err).execute("teardown", "--state-dir", state.toString(),
                    "--underlay-ip", "192.0.2.11", "--ovsdb", "unix:" + state.resolve("no-such-db.sock"));
            assertEquals(1, exit, err.toString());
        }
        assertTrue(err.toString().contains("in use by another ovsfabric-agent (pid " + ProcessHandle.current().pid() + ", run)"),
                err.toString());
        assertTrue(err.toString().contains("systemctl stop ovsfabric-agent"), err.toString());
        assertEquals("", out.toString());
    }
}
