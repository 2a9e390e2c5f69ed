package io.ovsfabric.agent.wiring;

import io.micrometer.core.instrument.MeterRegistry;
import io.ovsfabric.agent.health.ProbeSettings;
import io.ovsfabric.agent.health.TunnelMetrics;
import io.ovsfabric.agent.health.TunnelProber;
import io.ovsfabric.agent.health.TunnelReportSink;
import io.ovsfabric.agent.health.TunnelReporter;
import io.ovsfabric.agent.health.UdpProbeTransport;
import io.ovsfabric.common.HostId;
import java.time.Clock;

/** The real tunnel prober (UDP on docker0's gateway), its metrics and its reports to the controller. */
final class TunnelHealth implements AutoCloseable {
    private final TunnelProber prober;
    private final TunnelReporter reporter;

    private TunnelHealth(TunnelProber prober, TunnelReporter reporter) {
        this.prober = prober;
        this.reporter = reporter;
    }

    static TunnelHealth start(HostId host, ProbeSettings settings, TunnelReportSink sink, MeterRegistry registry) {
        TunnelProber prober = new TunnelProber(host, settings, new UdpProbeTransport(), Clock.systemUTC(), System::nanoTime);
        prober.addListener(new TunnelMetrics(registry));
        TunnelReporter reporter = new TunnelReporter(host, settings, prober::statuses, sink);
        prober.addListener(reporter);
        reporter.start();
        prober.start();
        return new TunnelHealth(prober, reporter);
    }

    TunnelProber prober() {
        return prober;
    }

    @Override
    public void close() {
        prober.close();
        reporter.close();
    }
}
