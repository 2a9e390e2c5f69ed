package io.ovsfabric.agent.dns;

import io.ovsfabric.agent.docker.PluginException;
import io.ovsfabric.agent.docker.fabric.FabricNetworks;
import io.ovsfabric.common.HostId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The fabric's endpoint list for DNS. The wiring pushes every topology change with {@link #update}; as a fallback
 * (and until that stream carries endpoints) it can poll the controller.
 */
public final class FabricEndpointDirectory implements EndpointDirectory, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FabricEndpointDirectory.class);

    private volatile Snapshot snapshot = Snapshot.empty();
    private ScheduledExecutorService poller;

    @Override
    public Snapshot snapshot() {
        return snapshot;
    }

    /** Replaces the view (from the controller's topology stream). */
    public void update(Snapshot next) {
        snapshot = next;
    }

    /** Reads networks and endpoints from the controller once. */
    public void refreshFrom(FabricNetworks fabric) {
        update(new Snapshot(fabric.listNetworks(), fabric.listEndpoints(Optional.<HostId>empty())));
    }

    /** Polls the controller periodically; failures keep the last view and are retried. */
    public synchronized void pollEvery(FabricNetworks fabric, Duration period) {
        if (poller == null) {
            poller = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "ofx-dns-directory");
                t.setDaemon(true);
                return t;
            });
        }
        poller.scheduleWithFixedDelay(() -> {
            try {
                refreshFrom(fabric);
            } catch (PluginException e) {
                log.warn("cannot refresh the DNS view of the fabric, keeping the last one: {}", e.getMessage());
            }
        }, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        if (poller != null) {
            poller.shutdownNow();
        }
    }
}
