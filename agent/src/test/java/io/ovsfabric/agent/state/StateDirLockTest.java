package io.ovsfabric.agent.state;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.AgentException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDirLockTest {
    @TempDir
    Path dir;

    @Test
    void aSecondHolderIsRefusedWithTheFirstOnesPidUntilItLetsGo() {
        try (StateDirLock first = StateDirLock.acquire(dir.resolve("state"), "run")) {
            AgentException e = assertThrows(AgentException.class,
                    () -> StateDirLock.acquire(dir.resolve("state"), "teardown"));
            assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid() + ", run"), e.getMessage());
            assertTrue(e.getMessage().contains("--state-dir"), e.getMessage());
        }
        StateDirLock.acquire(dir.resolve("state"), "teardown").close();
    }

    @Test
    void anotherProcessIsRefusedToo() throws Exception {
        Path state = dir.resolve("state");
        try (StateDirLock held = StateDirLock.acquire(state, "run")) {
            // A second JVM trying the same lock: the kernel's lock, not just this process's bookkeeping.
            String java = ProcessHandle.current().info().command().orElse("java");
            Process other = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    LockProbe.class.getName(), state.toString()).redirectErrorStream(true).start();
            String out = new String(other.getInputStream().readAllBytes());
            assertTrue(other.waitFor() == 3, "the probe should be refused: " + out);
            assertTrue(out.contains("in use by another ovsfabric-agent"), out);
        }
    }

    /** Run in a child JVM: exit 3 when refused, 0 when it got the lock. */
    public static final class LockProbe {
        public static void main(String[] args) {
            try (StateDirLock lock = StateDirLock.acquire(Path.of(args[0]), "probe")) {
                System.exit(0);
            } catch (AgentException e) {
                System.out.println(e.getMessage());
                System.exit(3);
            }
        }
    }
}
