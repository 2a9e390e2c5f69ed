package io.ovsfabric.e2e;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/** The fault suite's table: one row per fault (packets lost, longest gap, recovery), then every stream's figures. */
final class FaultTable {
    /** One fault as it went: the traffic figures and what did not hold ("" problems = passed). */
    record Row(String fault, List<Traffic.Stats> stats, List<String> problems) {
        long lost() {
            return stats.stream().mapToLong(Traffic.Stats::lost).sum();
        }

        long sent() {
            return stats.stream().mapToLong(Traffic.Stats::sent).sum();
        }

        java.time.Duration longestGap() {
            return stats.stream().map(Traffic.Stats::longestGap).max(Comparator.naturalOrder()).orElse(java.time.Duration.ZERO);
        }

        /** The slowest stream's recovery; null if one did not recover. */
        java.time.Duration recovery() {
            if (stats.stream().anyMatch(s -> s.recovery() == null)) {
                return null;
            }
            return stats.stream().map(Traffic.Stats::recovery).filter(Objects::nonNull).max(Comparator.naturalOrder())
                    .orElse(java.time.Duration.ZERO);
        }
    }

    private final List<Row> rows = new ArrayList<>();

    void add(Row row) {
        rows.add(row);
    }

    List<Row> rows() {
        return List.copyOf(rows);
    }

    String render() {
        StringBuilder b = new StringBuilder();
        String fmt = "| %-50s | %-16s | %-11s | %-13s | %-6s |%n";
        b.append(String.format(fmt, "fault", "packets lost", "longest gap", "recovery", "result"));
        b.append(String.format(fmt, "-".repeat(50), "-".repeat(16), "-".repeat(11), "-".repeat(13), "-".repeat(6)));
        for (Row r : rows) {
            b.append(String.format(fmt, r.fault(), r.lost() + " of " + r.sent(), Traffic.seconds(r.longestGap()),
                    Traffic.seconds(r.recovery()), r.problems().isEmpty() ? "pass" : "FAIL"));
        }
        b.append(System.lineSeparator()).append("per stream (icmp: busybox ping -i 0.1; tcp: a numbered line every 100 ms over nc):")
                .append(System.lineSeparator());
        String sfmt = "  %-50s %-12s %8s %8s %12s %14s%n";
        b.append(String.format(sfmt, "fault", "stream", "sent", "lost", "longest gap", "recovery"));
        for (Row r : rows) {
            for (Traffic.Stats s : r.stats()) {
                b.append(String.format(sfmt, r.fault(), s.stream(), s.sent(), s.lost() + (s.broken() ? " BROKEN" : ""),
                        Traffic.seconds(s.longestGap()), Traffic.seconds(s.recovery())));
            }
        }
        for (Row r : rows) {
            r.problems().forEach(p -> b.append("  FAIL ").append(r.fault()).append(": ").append(p).append(System.lineSeparator()));
        }
        return b.toString();
    }
}
