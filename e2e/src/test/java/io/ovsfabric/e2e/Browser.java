package io.ovsfabric.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real headless Chromium (Debian's {@code chromium}) driven through the DevTools protocol over
 * {@code --remote-debugging-pipe}: two FIFOs in a work directory carry NUL-terminated JSON messages, so the browser
 * can run inside a lab namespace (where it reaches the lab's addresses) while this process stays outside. Both FIFOs
 * are opened read-write on each side, so no open ever blocks on a browser that failed to start.
 */
final class Browser implements AutoCloseable {
    static final String CHROMIUM = "/usr/bin/chromium";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final RandomAccessFile toBrowser;
    private final RandomAccessFile fromBrowser;
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final List<String> console = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Thread reader;
    private volatile String session;

    private Browser(Process process, RandomAccessFile toBrowser, RandomAccessFile fromBrowser) {
        this.process = process;
        this.toBrowser = toBrowser;
        this.fromBrowser = fromBrowser;
        this.reader = new Thread(this::readLoop, "devtools-pipe");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts Chromium with a fresh profile under {@code dir}, through {@code prefix} (e.g. {@code lab.sh exec ctrl}),
     * and attaches to its first page. The flags are the ones that work on a machine without outside network.
     */
    static Browser start(List<String> prefix, Path dir, int width, int height) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path in = dir.resolve("devtools-in");
        Path out = dir.resolve("devtools-out");
        Path profile = dir.resolve("profile");
        for (Path fifo : List.of(in, out)) {
            Files.deleteIfExists(fifo);
            Process mk = new ProcessBuilder("mkfifo", "-m", "600", fifo.toString()).inheritIO().start();
            if (mk.waitFor() != 0) {
                throw new IOException("mkfifo " + fifo + " failed");
            }
        }
        deleteTree(profile);
        Files.createDirectories(profile);
        String flags = String.join(" ", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=" + width + "," + height,
                "--user-data-dir=" + profile, "--remote-debugging-pipe");
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(List.of("bash", "-c", "exec " + CHROMIUM + " " + flags + " about:blank 3<>'" + in + "' 4<>'" + out + "'"));
        Process process = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(dir.resolve("chromium.log").toFile()).start();
        Browser browser = new Browser(process, new RandomAccessFile(in.toFile(), "rw"), new RandomAccessFile(out.toFile(), "rw"));
        try {
            browser.attach();
        } catch (RuntimeException e) {
            browser.close();
            throw new IllegalStateException(e.getMessage() + "; chromium's output: " + dir.resolve("chromium.log"), e);
        }
        return browser;
    }

    private void attach() {
        JsonNode targets = call(null, "Target.getTargets", JSON.createObjectNode());
        String page = null;
        for (JsonNode t : targets.get("targetInfos")) {
            if ("page".equals(t.get("type").asText())) {
                page = t.get("targetId").asText();
                break;
            }
        }
        if (page == null) {
            ObjectNode create = JSON.createObjectNode().put("url", "about:blank");
            page = call(null, "Target.createTarget", create).get("targetId").asText();
        }
        ObjectNode params = JSON.createObjectNode().put("targetId", page).put("flatten", true);
        session = call(null, "Target.attachToTarget", params).get("sessionId").asText();
        call(session, "Page.enable", JSON.createObjectNode());
        call(session, "Runtime.enable", JSON.createObjectNode());
    }

    void navigate(String url) {
        JsonNode r = call(session, "Page.navigate", JSON.createObjectNode().put("url", url));
        if (r.hasNonNull("errorText")) {
            throw new IllegalStateException("chromium could not load " + url + ": " + r.get("errorText").asText());
        }
    }

    /** Evaluates a JavaScript expression in the page (awaiting a promise) and returns its value as JSON. */
    JsonNode evaluate(String expression) {
        ObjectNode params = JSON.createObjectNode().put("expression", expression).put("returnByValue", true)
                .put("awaitPromise", true);
        JsonNode r = call(session, "Runtime.evaluate", params);
        if (r.has("exceptionDetails")) {
            throw new IllegalStateException("the page threw on '" + expression + "': " + r.get("exceptionDetails"));
        }
        JsonNode value = r.at("/result/value");
        return value.isMissingNode() ? JSON.nullNode() : value;
    }

    /** A PNG of the page as rendered now (the whole page, not only the window). */
    void screenshot(Path png) throws IOException {
        ObjectNode params = JSON.createObjectNode().put("format", "png").put("captureBeyondViewport", true);
        String data = call(session, "Page.captureScreenshot", params).get("data").asText();
        Files.createDirectories(png.toAbsolutePath().getParent());
        Files.write(png, Base64.getDecoder().decode(data));
    }

    /** What the page logged and threw (console messages and uncaught exceptions), for failure messages. */
    List<String> console() {
        return List.copyOf(console);
    }

    private JsonNode call(String sessionId, String method, ObjectNode params) {
        if (!process.isAlive()) {
            throw new IllegalStateException("chromium exited with " + process.exitValue() + " before " + method);
        }
        int id = ids.incrementAndGet();
        ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
        msg.set("params", params);
        if (sessionId != null) {
            msg.put("sessionId", sessionId);
        }
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        try {
            synchronized (toBrowser) {
                toBrowser.write(JSON.writeValueAsBytes(msg));
                toBrowser.write(0);
            }
            long deadline = System.nanoTime() + CALL_TIMEOUT.toNanos();
            while (true) {
                try {
                    JsonNode reply = answer.get(1, TimeUnit.SECONDS);
                    if (reply.has("error")) {
                        throw new IllegalStateException(method + " failed: " + reply.get("error"));
                    }
                    return reply.get("result");
                } catch (TimeoutException e) {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("chromium exited with " + process.exitValue() + " during " + method);
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("chromium did not answer " + method + " within " + CALL_TIMEOUT);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to chromium's DevTools pipe", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + method, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(method + " failed", e.getCause());
        } finally {
            pending.remove(id);
        }
    }

    private void readLoop() {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        try {
            while (true) {
                int n = fromBrowser.read(buf);
                if (n < 0) {
                    return;
                }
                for (int i = 0; i < n; i++) {
                    if (buf[i] != 0) {
                        message.write(buf[i]);
                        continue;
                    }
                    dispatch(message.toString(StandardCharsets.UTF_8));
                    message.reset();
                }
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void dispatch(String text) throws IOException {
        JsonNode msg = JSON.readTree(text);
        if (msg.has("id")) {
            CompletableFuture<JsonNode> answer = pending.get(msg.get("id").asInt());
            if (answer != null) {
                answer.complete(msg);
            }
            return;
        }
        String method = msg.path("method").asText();
        if ("Runtime.consoleAPICalled".equals(method)) {
            console.add("console." + msg.at("/params/type").asText() + ": " + msg.at("/params/args"));
        } else if ("Runtime.exceptionThrown".equals(method)) {
            console.add("exception: " + msg.at("/params/exceptionDetails"));
        }
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            toBrowser.close();
            fromBrowser.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
