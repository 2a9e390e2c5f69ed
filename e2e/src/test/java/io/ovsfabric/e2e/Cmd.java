package io.ovsfabric.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The suite's only way to start processes: argv as a list, output captured to files, a deadline on every run. */
final class Cmd {
    private Cmd() {}

    /** A finished command; {@link #orThrow()} turns a failure into an exception that keeps argv, exit code and output. */
    record Result(List<String> argv, int exit, String out, String err) {
        boolean ok() {
            return exit == 0;
        }

        Result orThrow() {
            if (exit != 0) {
                throw new IllegalStateException(describe());
            }
            return this;
        }

        String describe() {
            return "command failed (exit " + exit + "): " + String.join(" ", argv)
                    + "\n--- stderr (end) ---\n" + tail(err) + "\n--- stdout (end) ---\n" + tail(out);
        }

        private static String tail(String text) {
            return text.length() <= 4000 ? text : "..." + text.substring(text.length() - 4000);
        }
    }

    private static final Path OUTPUT_DIR = Path.of("target", "e2e", "cmd").toAbsolutePath();

    static Result run(List<String> argv, Map<String, String> env, Duration timeout) {
        Path out = null;
        Path err = null;
        try {
            // In the module's target dir, not /tmp: nothing else on the machine sweeps it during a run.
            Files.createDirectories(OUTPUT_DIR);
            out = Files.createTempFile(OUTPUT_DIR, "cmd-", ".out");
            err = Files.createTempFile(OUTPUT_DIR, "cmd-", ".err");
            Process p = start(argv, env, out, err);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("timed out after " + timeout.toSeconds() + "s: " + String.join(" ", argv)
                        + "\n--- stderr so far ---\n" + Files.readString(err, StandardCharsets.UTF_8)
                        + "\n--- stdout so far ---\n" + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(List.copyOf(argv), p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", argv), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", argv), e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /** Starts a long-running command (a capture) with its output going to files. */
    static Process start(List<String> argv, Map<String, String> env, Path out, Path err) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().putAll(env);
        pb.redirectInput(Redirect.from(Path.of("/dev/null").toFile()));
        pb.redirectOutput(out.toFile());
        pb.redirectError(err.toFile());
        return pb.start();
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temp file left in /tmp is harmless
            }
        }
    }
}
