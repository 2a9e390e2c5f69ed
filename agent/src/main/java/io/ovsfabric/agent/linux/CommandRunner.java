package io.ovsfabric.agent.linux;

/**
 * Runs host commands. The one way the agent starts processes: {@link ProcessCommandRunner} holds the only
 * ProcessBuilder; tests use a recording fake.
 */
public interface CommandRunner {

    /** Runs to completion; a non-zero exit is returned, not thrown (see {@link CommandResult#requireSuccess()}). */
    CommandResult run(Command command);

    /** Runs to completion and throws {@link CommandFailedException} on a non-zero exit. */
    default CommandResult check(Command command) {
        return run(command).requireSuccess();
    }

    /** Starts a long-running command; the caller stops it (tests: tcpdump, iperf3 servers). */
    RunningCommand start(Command command);
}
