package io.ovsfabric.e2e;

import io.ovsfabric.common.testing.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A tcpdump running inside a lab namespace (through deploy/lab.sh exec, which execs it, so the process we hold is
 * tcpdump itself), writing a pcap file; {@link #stop()} ends it and returns tcpdump's one-line decodes.
 */
final class Capture implements AutoCloseable {
    private final Process process;
    private final Path pcap;
    private final Path err;

    private Capture(Process process, Path pcap, Path err) {
        this.process = process;
        this.pcap = pcap;
        this.err = err;
    }

    /** Starts capturing on {@code iface} in lab namespace {@code target}; returns once tcpdump is listening. */
    static Capture start(Lab lab, String target, String iface, String filter, String label) {
        return start(lab, target, List.of(), iface, filter, label);
    }

    /**
     * Starts capturing on {@code iface} inside a container's network namespace (container {@code container} of lab
     * host {@code host}, entered with nsenter: the lab's image has no tcpdump); returns once tcpdump is listening.
     */
    static Capture inContainer(Lab lab, String host, String container, String iface, String filter, String label) {
        String pid = lab.docker(host, "inspect", "-f", "{{.State.Pid}}", container).orThrow().out().strip();
        return start(lab, host, List.of("nsenter", "--net=/proc/" + pid + "/ns/net"), iface, filter, label);
    }

    private static Capture start(Lab lab, String target, List<String> wrapper, String iface, String filter,
            String label) {
        Path dir = lab.outDir().resolve("captures");
        try {
            Files.createDirectories(dir);
            Path pcap = dir.resolve(label + ".pcap");
            Path err = dir.resolve(label + ".tcpdump.log");
            Files.deleteIfExists(pcap);
            // -Z root: Debian's tcpdump would otherwise switch to user tcpdump before creating the file.
            // --immediate-mode -U: each packet reaches the file at once (not in 1 s blocks that a stop would lose).
            List<String> argv = new ArrayList<>(List.of("exec", target));
            argv.addAll(wrapper);
            argv.addAll(List.of("tcpdump", "--immediate-mode", "-U", "-n", "-Z", "root", "-i", iface, "-w",
                    pcap.toString(), filter));
            Process p = Cmd.start(lab.labArgv(argv.toArray(String[]::new)), lab.env(), dir.resolve(label + ".stdout"),
                    err);
            Capture capture = new Capture(p, pcap, err);
            Poll.until("tcpdump listening on " + iface + " in " + target, Lab.patient(Duration.ofSeconds(20)),
                    () -> capture.listening() ? Optional.of(true) : capture.failedEarly(), capture::errText);
            return capture;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a capture in " + dir, e);
        }
    }

    private boolean listening() {
        return errText().contains("listening on");
    }

    private Optional<Boolean> failedEarly() {
        if (!process.isAlive()) {
            throw new IllegalStateException("tcpdump exited (" + process.exitValue() + "): " + errText());
        }
        return Optional.empty();
    }

    private String errText() {
        try {
            return Files.exists(err) ? Files.readString(err) : "";
        } catch (IOException e) {
            return "(cannot read " + err + ": " + e + ")";
        }
    }

    /** Waits, while capturing, until the packets so far satisfy {@code enough}; returns them. */
    List<String> awaitPackets(String what, Duration deadline, Predicate<List<String>> enough) {
        List<List<String>> last = new ArrayList<>(List.of(List.of()));
        return Poll.until(what, deadline, () -> {
            List<String> now = read();
            last.set(0, now);
            return enough.test(now) ? Optional.of(now) : Optional.empty();
        }, () -> String.join("\n", last.get(0)));
    }

    /** The packets captured so far (tcpdump keeps running). */
    List<String> soFar() {
        return read();
    }

    /** What the file holds so far (tcpdump -r tolerates a packet still being written). */
    private List<String> read() {
        if (!Files.exists(pcap)) {
            return List.of();
        }
        return Cmd.run(List.of("tcpdump", "-n", "-r", pcap.toString()), Map.of(), Duration.ofMinutes(1)).out().lines().toList();
    }

    /** Stops tcpdump (SIGTERM, so it flushes) and returns the decoded packets, one per line. */
    List<String> stop() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (!Files.exists(pcap)) {
            throw new IllegalStateException("tcpdump wrote no " + pcap + ": " + errText());
        }
        return read();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
