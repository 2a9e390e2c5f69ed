package io.ovsfabric.agent.docker.link;

import io.ovsfabric.agent.docker.PluginException;

import java.util.List;

/** A command that failed: keeps argv, exit code and stderr so the log says exactly what ran. */
public final class CommandException extends PluginException {
    private static final long serialVersionUID = 1L;

    private final List<String> argv;
    private final int exitCode;
    private final String stderr;

    public CommandException(List<String> argv, int exitCode, String stderr, Throwable cause) {
        super(Kind.FAILED, "command failed (exit " + exitCode + "): " + String.join(" ", argv)
                + (stderr.isBlank() ? "" : ": " + stderr.strip()), cause);
        this.argv = List.copyOf(argv);
        this.exitCode = exitCode;
        this.stderr = stderr;
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
