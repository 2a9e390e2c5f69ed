package io.ovsfabric.agent.linux;

/** What a finished command left: its exit code and its output. */
public record CommandResult(Command command, int exitCode, String stdout, String stderr) {

    public boolean succeeded() {
        return exitCode == 0;
    }

    /** This result, or a {@link CommandFailedException} when the exit code is not 0. */
    public CommandResult requireSuccess() {
        if (!succeeded()) {
            throw new CommandFailedException(command, exitCode, stderr);
        }
        return this;
    }
}
