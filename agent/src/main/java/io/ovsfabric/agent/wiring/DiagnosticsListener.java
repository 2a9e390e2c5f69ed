package io.ovsfabric.agent.wiring;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.diag.DiagnosticsServer;
import io.ovsfabric.common.HostId;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The diagnostics server, started now, or (when its address is not on the host yet: the underlay address moving
 * to br-phy) retried every 5 s in the background until it is. Any other failure refuses the start.
 */
final class DiagnosticsListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DiagnosticsListener.class);

    private final AtomicReference<DiagnosticsServer> server = new AtomicReference<>();
    private ScheduledExecutorService retries;
    private volatile boolean closed;

    DiagnosticsListener(Supplier<DiagnosticsServer> start, HostId host) {
        try {
            server.set(start.get());
        } catch (AgentException e) {
            if (e.code() != AgentException.Code.UNAVAILABLE) {
                throw e;
            }
            log.warn("Host {}: {}; retrying every 5s", host, e.getMessage());
            retries = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "diag-listen");
                t.setDaemon(true);
                return t;
            });
            retries.scheduleWithFixedDelay(() -> {
                if (closed || server.get() != null) {
                    return;
                }
                try {
                    server.set(start.get());
                    retries.shutdown();
                } catch (RuntimeException again) {
                    log.debug("Host {}: diagnostics not served yet: {}", host, again.getMessage());
                }
            }, 5, 5, TimeUnit.SECONDS);
        }
    }

    Optional<InetSocketAddress> address() {
        return Optional.ofNullable(server.get()).map(DiagnosticsServer::address);
    }

    @Override
    public void close() {
        closed = true;
        if (retries != null) {
            retries.shutdownNow();
        }
        DiagnosticsServer s = server.getAndSet(null);
        if (s != null) {
            s.close();
        }
    }
}
