package io.ovsfabric.e2e;

import io.ovsfabric.common.testing.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Continuous traffic between containers on every pair of hosts while faults happen: one busybox ping at 10/s per pair
 * of hosts (lower host pings higher), plus one TCP stream (busybox nc) from the first host to the last carrying a
 * numbered line every 100 ms. Every reply or line is time-stamped as it arrives (the output files are read as they
 * grow), so that after a fault {@link #since(Mark)} can say, per stream, how many packets were sent and lost, the
 * longest gap between two arrivals, and how long after the fault's start traffic flowed again for good.
 */
final class Traffic implements AutoCloseable {
    static final Duration INTERVAL = Duration.ofMillis(100);
    private static final int TCP_PORT = 5001;
    private static final Pattern PING_REPLY = Pattern.compile("seq=(\\d+) ttl=");
    private static final Pattern TCP_LINE = Pattern.compile("^(\\d+)$");

    /** Where the traffic stood when a fault began: per stream, the highest sequence number seen. */
    record Mark(long atNanos, List<Long> lastSeq) {}

    /** One stream's figures since a mark. {@code recovery} is null while the stream is still down. */
    record Stats(String stream, long sent, long lost, Duration longestGap, Duration recovery, boolean broken) {
        boolean lossless() {
            return lost == 0 && !broken;
        }
    }

    private record Arrival(long seq, long atNanos) {}

    /** A process writing numbered lines to a file, and what has been read from it so far. */
    private static final class Stream {
        final String name;
        final String host;
        final String container;
        final Pattern seqPattern;
        final Path out;
        final Process process;
        private final FileChannel channel;
        private final StringBuilder pending = new StringBuilder();
        private final List<Arrival> arrivals = new ArrayList<>();
        private long position;

        Stream(String name, String host, String container, Pattern seqPattern, Path out, Process process) throws IOException {
            this.name = name;
            this.host = host;
            this.container = container;
            this.seqPattern = seqPattern;
            this.out = out;
            this.process = process;
            this.channel = FileChannel.open(out, StandardOpenOption.READ);
        }

        /** Reads what the file gained since the last call; every complete line that carries a number counts now. */
        synchronized void poll() {
            try {
                ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                int n;
                while ((n = channel.read(buf, position)) > 0) {
                    position += n;
                    pending.append(StandardCharsets.UTF_8.decode(buf.flip()));
                    buf.clear();
                }
            } catch (IOException e) {
                return; // the file is being closed at the end: what was read stays
            }
            long now = System.nanoTime();
            int nl;
            while ((nl = pending.indexOf("\n")) >= 0) {
                String line = pending.substring(0, nl).strip();
                pending.delete(0, nl + 1);
                Matcher m = seqPattern.matcher(line);
                if (m.find()) {
                    arrivals.add(new Arrival(Long.parseLong(m.group(1)), now));
                }
            }
        }

        synchronized long lastSeq() {
            return arrivals.isEmpty() ? -1 : arrivals.get(arrivals.size() - 1).seq();
        }

        synchronized List<Arrival> after(long seq) {
            return arrivals.stream().filter(a -> a.seq() > seq).toList();
        }

        synchronized long lastArrivalNanos() {
            return arrivals.isEmpty() ? Long.MIN_VALUE : arrivals.get(arrivals.size() - 1).atNanos();
        }

        synchronized long arrivalsSince(long nanos) {
            return arrivals.stream().filter(a -> a.atNanos() >= nanos).count();
        }

        void closeFile() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing left to read
            }
        }
    }

    private final Lab lab;
    private final List<Stream> streams;
    private final ScheduledExecutorService reader = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "traffic-reader");
        t.setDaemon(true);
        return t;
    });

    private Traffic(Lab lab, List<Stream> streams) {
        this.lab = lab;
        this.streams = streams;
        reader.scheduleWithFixedDelay(() -> streams.forEach(Stream::poll), 0, 20, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts the traffic between {@code containers} (one per host, on the docker0 network) and waits until every
     * stream carries replies. Output files go to {@code dir}.
     */
    static Traffic start(Lab lab, List<Lab.Container> containers, Path dir) {
        List<Stream> streams = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            for (int i = 0; i < containers.size(); i++) {
                for (int j = i + 1; j < containers.size(); j++) {
                    Lab.Container a = containers.get(i);
                    Lab.Container b = containers.get(j);
                    String name = a.host() + "-" + b.host() + " icmp";
                    streams.add(open(lab, dir, name, a, PING_REPLY, "ping", "-i", "0.1", b.ip()));
                }
            }
            if (containers.size() >= 2) {
                Lab.Container client = containers.get(0);
                Lab.Container server = containers.get(containers.size() - 1);
                // busybox nc stops at the end of its stdin: give the sink one that never ends
                streams.add(open(lab, dir, client.host() + "-" + server.host() + " tcp", server, TCP_LINE,
                        "sh", "-c", "sleep 86400 | nc -l -p " + TCP_PORT));
                Poll.until("the TCP sink listens in " + server.name(), Lab.patient(Duration.ofSeconds(20)), () ->
                        lab.docker(server.host(), "exec", server.name(), "netstat", "-ltn").out().contains(":" + TCP_PORT)
                                ? Optional.of(true) : Optional.empty(), () -> "no listener on " + TCP_PORT);
                Path out = dir.resolve(client.host() + "-tcp-source.out");
                Cmd.start(lab.labArgv("docker", client.host(), "exec", client.name(), "sh", "-c",
                                "i=0; while echo $i; do i=$((i+1)); usleep 100000; done | nc " + server.ip() + " " + TCP_PORT),
                        lab.env(), out, dir.resolve(client.host() + "-tcp-source.err"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the traffic", e);
        }
        Traffic t = new Traffic(lab, List.copyOf(streams));
        Poll.until("every traffic stream carries replies", Lab.patient(Duration.ofSeconds(30)),
                () -> t.streams.stream().allMatch(s -> s.lastSeq() >= 5) ? Optional.of(true) : Optional.empty(),
                t::describe);
        return t;
    }

    private static Stream open(Lab lab, Path dir, String name, Lab.Container in, Pattern seq, String... command)
            throws IOException {
        String file = name.replace(' ', '-');
        Path out = dir.resolve(file + ".out");
        Files.deleteIfExists(out);
        Files.createFile(out);
        List<String> args = new ArrayList<>(List.of("docker", in.host(), "exec", in.name()));
        args.addAll(List.of(command));
        Process p = Cmd.start(lab.labArgv(args.toArray(String[]::new)), lab.env(), out, dir.resolve(file + ".err"));
        return new Stream(name, in.host(), in.name(), seq, out, p);
    }

    List<String> streamNames() {
        return streams.stream().map(s -> s.name).toList();
    }

    Mark mark() {
        streams.forEach(Stream::poll);
        return new Mark(System.nanoTime(), streams.stream().map(Stream::lastSeq).toList());
    }

    /**
     * Waits until every stream has flowed without a gap for {@code quiet}, all of it after this call (or
     * {@code deadline} passed: a stream still down then shows as not recovered in {@link #since(Mark)}). The quiet
     * window never reaches back before the call, so a fault whose effect comes just after it returns (vswitchd
     * restarted: its flows are gone a moment later) is counted in its own row, not in the next fault's.
     */
    void awaitFlowing(Duration quiet, Duration deadline) {
        long start = System.nanoTime();
        long end = start + deadline.toNanos();
        long expected = quiet.toMillis() / INTERVAL.toMillis();
        while (System.nanoTime() < end) {
            long from = System.nanoTime() - quiet.toNanos();
            if (from < start) {
                Poll.pause(Duration.ofNanos(start - from));
                continue;
            }
            boolean all = streams.stream().allMatch(s -> s.process.isAlive() || !s.name.endsWith("tcp"))
                    && streams.stream().allMatch(s -> s.arrivalsSince(from) >= expected * 8 / 10
                            && System.nanoTime() - s.lastArrivalNanos() < Duration.ofMillis(500).toNanos());
            if (all) {
                return;
            }
            Poll.pause(Duration.ofMillis(200));
        }
    }

    /** Per stream: packets sent and lost since {@code mark}, the longest gap between arrivals, the recovery time. */
    List<Stats> since(Mark mark) {
        streams.forEach(Stream::poll);
        long now = System.nanoTime();
        long interval = INTERVAL.toNanos();
        List<Stats> all = new ArrayList<>();
        for (int i = 0; i < streams.size(); i++) {
            Stream s = streams.get(i);
            long from = mark.lastSeq().get(i);
            List<Arrival> got = s.after(from);
            long prevAt = mark.atNanos();
            long prevSeq = from;
            long lost = 0;
            long gap = 0;
            long lastLossEndsAt = -1; // arrival time of the first packet after the latest loss
            java.util.Set<Long> seen = new java.util.HashSet<>();
            for (Arrival a : got) {
                if (!seen.add(a.seq())) {
                    continue; // a duplicate reply
                }
                gap = Math.max(gap, a.atNanos() - prevAt);
                if (a.seq() > prevSeq + 1) {
                    lost += a.seq() - prevSeq - 1;
                    lastLossEndsAt = a.atNanos();
                }
                prevSeq = Math.max(prevSeq, a.seq());
                prevAt = a.atNanos();
            }
            boolean broken = !s.process.isAlive() && s.name.endsWith("tcp");
            long silence = now - prevAt;
            boolean down = silence > Duration.ofSeconds(1).toNanos();
            if (down) {
                lost += silence / interval;
                gap = Math.max(gap, silence);
            }
            Duration recovery;
            if (down || broken) {
                recovery = null;
            } else if (lost == 0 && gap < 5 * interval) {
                recovery = Duration.ZERO;
            } else {
                // TCP never loses a line (it retransmits): a stall ends with the first line after the longest gap
                long end = lastLossEndsAt >= 0 ? lastLossEndsAt : endOfLongestGap(got, mark.atNanos());
                recovery = Duration.ofNanos(Math.max(0, end - mark.atNanos()));
            }
            long sent = seen.size() + lost;
            all.add(new Stats(s.name, sent, lost, Duration.ofNanos(gap), recovery, broken));
        }
        return all;
    }

    private static long endOfLongestGap(List<Arrival> got, long start) {
        long prev = start;
        long best = 0;
        long end = start;
        for (Arrival a : got) {
            if (a.atNanos() - prev > best) {
                best = a.atNanos() - prev;
                end = a.atNanos();
            }
            prev = a.atNanos();
        }
        return end;
    }

    String describe() {
        StringBuilder b = new StringBuilder();
        for (Stream s : streams) {
            b.append("\n  ").append(s.name).append(": last seq ").append(s.lastSeq()).append(s.process.isAlive() ? "" : " (exited)")
                    .append(", output ").append(s.out);
        }
        return b.toString();
    }

    /** Stops every stream (killall inside the containers: stopping the docker CLI would leave them running). */
    @Override
    public void close() {
        java.util.Set<String> done = new java.util.HashSet<>();
        for (Stream s : streams) {
            if (done.add(s.host + "/" + s.container)) {
                lab.docker(s.host, "exec", s.container, "killall", "ping", "nc", "sleep");
            }
        }
        for (Stream s : streams) {
            try {
                if (!s.process.waitFor(10, TimeUnit.SECONDS)) {
                    s.process.descendants().forEach(ProcessHandle::destroyForcibly);
                    s.process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        reader.shutdownNow();
        streams.forEach(Stream::closeFile);
    }

    /** "12.3 s", or "not recovered" for a stream still down. */
    static String seconds(Duration d) {
        return d == null ? "not recovered" : String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
