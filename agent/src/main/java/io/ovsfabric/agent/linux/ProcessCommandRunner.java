package io.ovsfabric.agent.linux;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs commands as child processes: the agent's only ProcessBuilder. With a network namespace, every argv is
 * prefixed with {@code ip netns exec NS}, so the same adapters drive a host or a test namespace.
 */
public final class ProcessCommandRunner implements CommandRunner {
    private static final Duration STOP_GRACE = Duration.ofSeconds(3);

    private final Optional<String> netns;
    private final Duration timeout;

    public ProcessCommandRunner(Optional<String> netns, Duration timeout) {
        this.netns = netns;
        this.timeout = timeout;
    }

    /** Commands in the agent's own network namespace, each limited to 30 seconds. */
    public static ProcessCommandRunner local() {
        return new ProcessCommandRunner(Optional.empty(), Duration.ofSeconds(30));
    }

    public static ProcessCommandRunner inNamespace(String netns) {
        return new ProcessCommandRunner(Optional.of(netns), Duration.ofSeconds(30));
    }

    public Optional<String> netns() {
        return netns;
    }

    @Override
    public CommandResult run(Command command) {
        Started started = launch(command);
        try {
            if (!started.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                started.process.destroyForcibly();
                throw new CommandFailedException(command, "no result within " + timeout.toSeconds() + "s, killed", null);
            }
            return started.result(command);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            started.process.destroyForcibly();
            throw new CommandFailedException(command, "interrupted", e);
        }
    }

    @Override
    public RunningCommand start(Command command) {
        Started started = launch(command);
        return new RunningCommand() {
            @Override
            public long pid() {
                return started.process.pid();
            }

            @Override
            public boolean isAlive() {
                return started.process.isAlive();
            }

            @Override
            public String stdout() {
                return started.stdout.text();
            }

            @Override
            public String stderr() {
                return started.stderr.text();
            }

            @Override
            public Optional<CommandResult> waitFor(Duration wait) {
                try {
                    if (!started.process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                        return Optional.empty();
                    }
                    return Optional.of(started.result(command));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }

            @Override
            public CommandResult stop() {
                if (started.process.isAlive()) {
                    started.process.destroy();
                    if (waitFor(STOP_GRACE).isEmpty()) {
                        started.process.destroyForcibly();
                    }
                }
                try {
                    started.process.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return started.result(command);
            }
        };
    }

    private Started launch(Command command) {
        List<String> argv = new ArrayList<>();
        netns.ifPresent(ns -> argv.addAll(List.of("ip", "netns", "exec", ns)));
        argv.addAll(command.argv());
        ProcessBuilder builder = new ProcessBuilder(argv);
        builder.environment().putAll(command.env());
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new CommandFailedException(command, e.getMessage() + " (is " + argv.get(0) + " installed?)", e);
        }
        Started started = new Started(process, new Drain(process.getInputStream()), new Drain(process.getErrorStream()));
        try (OutputStream in = process.getOutputStream()) {
            if (command.stdin() != null) {
                in.write(command.stdin().getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            process.destroyForcibly();
            throw new CommandFailedException(command, "could not write stdin: " + e.getMessage(), e);
        }
        return started;
    }

    private record Started(Process process, Drain stdout, Drain stderr) {
        CommandResult result(Command command) {
            return new CommandResult(command, process.exitValue(), stdout.finish(), stderr.finish());
        }
    }

    /** Reads a stream on its own daemon thread so that a chatty command never blocks on a full pipe. */
    private static final class Drain {
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private final Thread thread;

        Drain(InputStream stream) {
            thread = new Thread(() -> {
                byte[] chunk = new byte[8192];
                try (stream) {
                    int n;
                    while ((n = stream.read(chunk)) >= 0) {
                        synchronized (buffer) {
                            buffer.write(chunk, 0, n);
                        }
                    }
                } catch (IOException e) {
                    // the process ended or was killed: keep what was read
                }
            }, "command-output");
            thread.setDaemon(true);
            thread.start();
        }

        String text() {
            synchronized (buffer) {
                return buffer.toString(StandardCharsets.UTF_8);
            }
        }

        String finish() {
            try {
                thread.join(Duration.ofSeconds(5).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return text();
        }
    }
}
