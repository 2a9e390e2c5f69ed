package io.ovsfabric.common.metrics;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Binding the JDK's HTTP server for an observability endpoint (/metrics, the controller's page), the same way. */
public final class HttpListener {
    private HttpListener() {}

    /**
     * Binds {@code address}, not started yet.
     *
     * @param serves what it is for, for the error ("/metrics", "the topology page")
     * @param option the flag that picks the address, for the error ("--metrics-listen")
     * @throws UncheckedIOException when the address cannot be bound (in use, not local), saying what to do
     */
    public static HttpServer bind(InetSocketAddress address, int backlog, String serves, String option) {
        try {
            return HttpServer.create(address, backlog);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve " + serves + " on " + address.getHostString() + ":"
                    + address.getPort() + " (" + e.getMessage() + "): is something else listening there? Pick another "
                    + option, e);
        }
    }

    /** Daemon threads named {@code prefix}, {@code prefix-2}, ...: an endpoint never keeps the JVM alive. */
    public static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            int i = n.incrementAndGet();
            Thread t = new Thread(r, i == 1 ? prefix : prefix + "-" + i);
            t.setDaemon(true);
            return t;
        };
    }
}
