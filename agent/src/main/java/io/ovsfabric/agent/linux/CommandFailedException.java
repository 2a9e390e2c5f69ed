package io.ovsfabric.agent.linux;

import io.ovsfabric.agent.AgentException;
import java.util.List;

/** A command exited non-zero (or could not run); keeps argv, exit code and stderr for the operator. */
public class CommandFailedException extends AgentException {
    private static final long serialVersionUID = 1L;

    private final List<String> argv;
    private final int exitCode;
    private final String stderr;

    public CommandFailedException(Command command, int exitCode, String stderr) {
        super("command failed (exit " + exitCode + "): " + command + (stderr.isBlank() ? "" : ": " + stderr.strip()));
        this.argv = command.argv();
        this.exitCode = exitCode;
        this.stderr = stderr;
    }

    public CommandFailedException(Command command, String why, Throwable cause) {
        super("command could not run: " + command + ": " + why, cause);
        this.argv = command.argv();
        this.exitCode = -1;
        this.stderr = "";
    }

    public List<String> argv() {
        return argv;
    }

    public int exitCode() {
        return exitCode;
    }

    public String stderr() {
        return stderr;
    }
}
