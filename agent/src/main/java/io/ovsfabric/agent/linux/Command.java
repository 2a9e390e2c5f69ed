package io.ovsfabric.agent.linux;

import java.util.List;
import java.util.Map;

/**
 * A command to run: argv as a list (never a shell string), extra environment, optional stdin text.
 */
public record Command(List<String> argv, Map<String, String> env, String stdin) {

    public Command {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("a command needs at least a program name");
        }
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
    }

    public static Command of(String... argv) {
        return new Command(List.of(argv), Map.of(), null);
    }

    public static Command of(List<String> argv) {
        return new Command(argv, Map.of(), null);
    }

    public Command withStdin(String text) {
        return new Command(argv, env, text);
    }

    public Command withEnv(Map<String, String> extra) {
        return new Command(argv, extra, stdin);
    }

    @Override
    public String toString() {
        return String.join(" ", argv);
    }
}
