package io.ovsfabric.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One real etcd (Debian's /usr/bin/etcd) on free loopback ports with a private temporary data dir; with
 * {@link #createTls}, its client URL is https:// and it accepts only clients with a certificate of the given CA
 * ({@code --client-cert-auth}), while /health is polled on a plaintext metrics URL of its own. Names, ports and
 * the data dir carry the caller's helper tag and a random suffix, so parallel test runs never collide. The data
 * dir survives {@link #stop()}/{@link #kill()} so that {@link #start()} brings the same cluster back; {@link #close()}
 * stops the process and deletes everything.
 */
public final class EtcdProcess implements AutoCloseable {
    private static final String BINARY = System.getProperty("ovsfabric.etcd.binary", "/usr/bin/etcd");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final String name;
    private final Path dataDir;
    private final int clientPort;
    private final int peerPort;
    private final int metricsPort;
    private final Optional<ServerTls> tls;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private Process process;
    private Thread cleanup;

    /** etcd's client TLS: its server certificate and key, and the CA its clients' certificates must chain to. */
    public record ServerTls(Path trustedCa, Path cert, Path key) {}

    private EtcdProcess(String name, Path dataDir, int[] ports, Optional<ServerTls> tls) {
        this.name = name;
        this.dataDir = dataDir;
        this.clientPort = ports[0];
        this.peerPort = ports[1];
        this.metricsPort = ports[2];
        this.tls = tls;
    }

    /** Creates (does not start) an etcd named {@code ofx-<tag>-etcd-<random>}. */
    public static EtcdProcess create(String tag) {
        return create(tag, Optional.empty());
    }

    /**
     * Creates (does not start) an etcd that serves clients only over TLS with {@code --client-cert-auth}
     * ({@code --cert-file}, {@code --key-file}, {@code --trusted-ca-file}); peers stay on plaintext loopback.
     */
    public static EtcdProcess createTls(String tag, ServerTls tls) {
        return create(tag, Optional.of(tls));
    }

    private static EtcdProcess create(String tag, Optional<ServerTls> tls) {
        String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        String name = "ofx-" + tag + "-etcd-" + suffix;
        try {
            Path dir = Files.createTempDirectory(name + "-");
            return new EtcdProcess(name, dir, freePorts(3), tls);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a data dir for test etcd " + name, e);
        }
    }

    /** Starts (or restarts, on the same ports and data) the process and waits until /health says true. */
    public synchronized EtcdProcess start() {
        if (process != null && process.isAlive()) {
            return this;
        }
        String clientUrl = endpoint();
        String peerUrl = "http://127.0.0.1:" + peerPort;
        List<String> argv = new ArrayList<>(List.of(BINARY, "--name", name, "--data-dir", dataDir.resolve("data").toString(),
                "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
                "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                "--listen-metrics-urls", "http://127.0.0.1:" + metricsPort,
                "--initial-cluster", name + "=" + peerUrl, "--initial-cluster-token", name,
                "--log-outputs", "stderr", "--logger", "zap"));
        tls.ifPresent(t -> argv.addAll(List.of("--cert-file", t.cert().toString(), "--key-file", t.key().toString(),
                "--client-cert-auth", "--trusted-ca-file", t.trustedCa().toString())));
        try {
            process = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + BINARY + " (install etcd-server: bash deploy/setup.sh)", e);
        }
        if (cleanup == null) {
            // a test JVM killed by a timeout must not leave etcd running or its data dir behind
            cleanup = new Thread(this::close, name + "-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
        }
        awaitHealthy();
        return this;
    }

    /** Client URL, e.g. {@code http://127.0.0.1:43121} ({@code https://} with TLS). */
    public String endpoint() {
        return (tls.isPresent() ? "https" : "http") + "://127.0.0.1:" + clientPort;
    }

    public String name() {
        return name;
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Graceful stop (SIGTERM); data is kept for {@link #start()}. */
    public synchronized void stop() {
        terminate(false);
    }

    /** Hard kill (SIGKILL), as a crash would; data is kept for {@link #start()}. */
    public synchronized void kill() {
        terminate(true);
    }

    @Override
    public synchronized void close() {
        if (cleanup != null && Thread.currentThread() != cleanup) {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // shutting down already
            }
            cleanup = null;
        }
        terminate(true);
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a leftover temp dir is harmless and named after its test
        }
    }

    /** The last lines etcd logged: attach to assertion messages when something looks wrong. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile());
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no etcd log: " + e.getMessage() + ")";
        }
    }

    private void terminate(boolean hard) {
        if (process == null) {
            return;
        }
        if (hard) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    private Path logFile() {
        return dataDir.resolve("etcd.log");
    }

    private void awaitHealthy() {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        // the metrics URL serves /health in plaintext (the client URL may need a client certificate)
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/health"))
                .timeout(Duration.ofSeconds(1)).build();
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("test etcd " + name + " exited with " + process.exitValue() + ":\n" + logTail(30));
            }
            try {
                HttpResponse<String> response = http.send(health, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().contains("\"true\"")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for test etcd " + name, e);
            }
            pause(50);
        }
        terminate(true);
        throw new IllegalStateException("test etcd " + name + " not healthy within " + START_TIMEOUT + ":\n" + logTail(30));
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis); // poll interval of awaitHealthy's deadline loop
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int[] freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }
}
