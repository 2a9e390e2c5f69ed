package io.ovsfabric.agent.docker.link;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** {@link ProcessRunner} with {@link ProcessBuilder}: the only place the Docker integration starts a process. */
public final class SystemProcessRunner implements ProcessRunner {
    private final Duration timeout;
    // Output is drained on own daemon threads: a full stderr pipe must never block a command that we wait for.
    private final ExecutorService drains = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "ofx-cmd-output");
        t.setDaemon(true);
        return t;
    });

    public SystemProcessRunner(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public Result run(List<String> argv) {
        Process process;
        try {
            process = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new CommandException(argv, -1, "cannot start: " + e.getMessage() + " (is it installed and on PATH?)", e);
        }
        Future<String> out = drains.submit(() -> readAll(process.getInputStream()));
        Future<String> err = drains.submit(() -> readAll(process.getErrorStream()));
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new CommandException(argv, -1, "timed out after " + timeout.toSeconds() + " s", null);
            }
            return new Result(process.exitValue(), out.get(), err.get());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CommandException(argv, -1, "interrupted", e);
        } catch (ExecutionException e) {
            throw new CommandException(argv, -1, "cannot read output: " + e.getCause(), e);
        }
    }

    private static String readAll(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
