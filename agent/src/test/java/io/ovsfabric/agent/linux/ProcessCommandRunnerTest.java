package io.ovsfabric.agent.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProcessCommandRunnerTest {
    private final ProcessCommandRunner runner = ProcessCommandRunner.local();

    @Test
    void keepsExitCodeOutputAndStderr() {
        CommandResult result = runner.run(Command.of("sh", "-c", "echo out; echo err >&2; exit 3"));
        assertEquals(3, result.exitCode());
        assertEquals("out\n", result.stdout());
        assertEquals("err\n", result.stderr());
        CommandFailedException e = assertThrows(CommandFailedException.class, result::requireSuccess);
        assertEquals(List.of("sh", "-c", "echo out; echo err >&2; exit 3"), e.argv());
        assertEquals("err\n", e.stderr());
    }

    @Test
    void passesStdinAndEnvironment() {
        assertEquals("hello there\n", runner.check(Command.of("sh", "-c", "cat; echo \" $WHO\"").withStdin("hello")
                .withEnv(Map.of("WHO", "there"))).stdout());
    }

    @Test
    void saysWhenAProgramIsMissing() {
        CommandFailedException e = assertThrows(CommandFailedException.class,
                () -> runner.run(Command.of("no-such-program-ofx")));
        assertTrue(e.getMessage().contains("is no-such-program-ofx installed?"), e.getMessage());
    }

    @Test
    void killsACommandThatOutlivesItsTimeout() {
        ProcessCommandRunner impatient = new ProcessCommandRunner(Optional.empty(), Duration.ofMillis(200));
        CommandFailedException e = assertThrows(CommandFailedException.class, () -> impatient.run(Command.of("sleep", "5")));
        assertTrue(e.getMessage().contains("killed"), e.getMessage());
    }

    @Test
    void startsAndStopsALongRunningCommand() {
        try (RunningCommand sleeper = runner.start(Command.of("sleep", "30"))) {
            assertTrue(sleeper.isAlive());
            CommandResult result = sleeper.stop();
            assertTrue(result.exitCode() != 0);
        }
    }
}
