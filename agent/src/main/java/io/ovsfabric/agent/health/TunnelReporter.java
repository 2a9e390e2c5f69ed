package io.ovsfabric.agent.health;

import io.ovsfabric.common.HostId;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the tunnel table to the controller: at once when a tunnel changes state or the peers change, and every
 * {@code reportEvery} otherwise (the round trips move). One thread; a failed report is retried after one second
 * (WARN once per distinct failure, INFO when it goes through again).
 */
public final class TunnelReporter implements TunnelHealthListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TunnelReporter.class);
    private static final Duration RETRY = Duration.ofSeconds(1);

    private final HostId self;
    private final ProbeSettings settings;
    private final Supplier<List<PeerStatus>> table;
    private final TunnelReportSink sink;
    private final BlockingQueue<Boolean> wakeup = new ArrayBlockingQueue<>(1);
    private final Thread thread;
    private volatile boolean closed;
    private String failing;

    public TunnelReporter(HostId self, ProbeSettings settings, Supplier<List<PeerStatus>> table, TunnelReportSink sink) {
        this.self = self;
        this.settings = settings;
        this.table = table;
        this.sink = sink;
        this.thread = new Thread(this::run, "tunnel-reporter");
        this.thread.setDaemon(true);
    }

    public TunnelReporter start() {
        thread.start();
        return this;
    }

    @Override
    public void peersChanged(List<PeerStatus> peers) {
        wakeup.offer(Boolean.TRUE);
    }

    @Override
    public void transitions(List<Transition> transitions) {
        wakeup.offer(Boolean.TRUE);
    }

    private void run() {
        Duration wait = settings.reportEvery();
        while (!closed) {
            try {
                wakeup.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (closed) {
                return;
            }
            List<PeerStatus> now = table.get();
            try {
                sink.report(settings, now);
                if (failing != null) {
                    log.info("host {}: tunnel reports reach the controller again ({} peers)", self, now.size());
                    failing = null;
                }
                wait = settings.reportEvery();
            } catch (RuntimeException e) {
                if (!String.valueOf(e.getMessage()).equals(failing)) {
                    log.warn("host {}: tunnel report not delivered (retrying every {} s): {}", self, RETRY.toSeconds(), e.getMessage());
                    failing = String.valueOf(e.getMessage());
                }
                wait = RETRY;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
