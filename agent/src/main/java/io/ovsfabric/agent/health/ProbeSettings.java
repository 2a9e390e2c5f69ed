package io.ovsfabric.agent.health;

import io.ovsfabric.common.InvalidInputException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How the tunnels are probed.
 *
 * @param port        UDP port of every host's responder, on its docker0 gateway address (the same on every host)
 * @param interval    one probe per peer this often; a probe not answered within one interval is lost
 * @param brokenAfter lost probes in a row that make a tunnel broken
 * @param window      probes remembered per peer for the loss and latency figures
 * @param reportEvery the controller gets the whole table at least this often (and at once on any state change)
 */
public record ProbeSettings(int port, Duration interval, int brokenAfter, int window, Duration reportEvery) {
    public static final int DEFAULT_PORT = 7079;

    public static ProbeSettings defaults() {
        return new ProbeSettings(DEFAULT_PORT, Duration.ofSeconds(1), 3, 60, Duration.ofSeconds(10));
    }

    public ProbeSettings {
        List<String> problems = new ArrayList<>();
        if (port < 0 || port > 65535) {
            problems.add("--tunnel-probe-port " + port + " must be 1-65535 (0: no probing)");
        }
        if (interval == null || interval.toMillis() < 100 || interval.toMinutes() > 1) {
            problems.add("--tunnel-probe-interval " + (interval == null ? "(none)" : interval.toMillis() + " ms")
                    + " must be between 100 ms and 1 minute");
        }
        if (brokenAfter < 1 || brokenAfter > 100) {
            problems.add("--tunnel-broken-after " + brokenAfter + " must be 1-100 lost probes in a row");
        }
        if (window < brokenAfter || window > 1000) {
            problems.add("the probe window " + window + " must hold at least broken-after probes and at most 1000");
        }
        if (reportEvery == null || reportEvery.isNegative() || reportEvery.isZero()) {
            problems.add("the report period " + reportEvery + " must be positive");
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(String.join("; ", problems));
        }
    }

    public boolean enabled() {
        return port != 0;
    }
}
