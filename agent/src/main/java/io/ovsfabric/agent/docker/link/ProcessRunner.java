package io.ovsfabric.agent.docker.link;

import java.util.List;

/**
 * Runs a command and waits for it. Kept tiny so that it can be replaced by the data plane's Linux adapter.
 */
public interface ProcessRunner {

    /** Output of a finished command. */
    record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** Runs argv; a non-zero exit is returned, not thrown. Failing to start or time out is a CommandException. */
    Result run(List<String> argv);

    /** Runs argv and throws a {@link CommandException} on a non-zero exit. */
    default String check(List<String> argv) {
        Result r = run(argv);
        if (!r.ok()) {
            throw new CommandException(argv, r.exitCode(), r.stderr(), null);
        }
        return r.stdout();
    }
}
