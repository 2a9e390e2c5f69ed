package io.ovsfabric.e2e;

import io.ovsfabric.common.testing.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/** Pings from containers: one `docker exec` per source container (busybox ping), sources in parallel. */
final class Pings {
    private Pings() {}

    /** The addresses among {@code targets} that {@code src} could not ping (one echo, 2 s timeout each). */
    static List<String> unreachable(Lab lab, Lab.Container src, List<String> targets) {
        if (targets.isEmpty()) {
            return List.of();
        }
        List<String> args = new ArrayList<>(List.of("exec", src.name(), "sh", "-c",
                "for t in \"$@\"; do ping -c 1 -W 2 \"$t\" >/dev/null 2>&1 || echo \"$t\"; done", "sh"));
        args.addAll(targets);
        Cmd.Result r = lab.docker(src.host(), args.toArray(String[]::new));
        if (!r.ok()) {
            return targets;
        }
        return r.out().lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** Every pair (source -> targets) that still fails, after one round with all sources in parallel. */
    static Map<Lab.Container, List<String>> round(Lab lab, Map<Lab.Container, List<String>> pairs) {
        Map<Lab.Container, CompletableFuture<List<String>>> running = new LinkedHashMap<>();
        pairs.forEach((src, targets) -> running.put(src, CompletableFuture.supplyAsync(() -> unreachable(lab, src, targets))));
        Map<Lab.Container, List<String>> failing = new LinkedHashMap<>();
        running.forEach((src, f) -> {
            List<String> bad = f.join();
            if (!bad.isEmpty()) {
                failing.put(src, bad);
            }
        });
        return failing;
    }

    /** Retries the failing pairs until all answer; fails listing the pairs that never did. */
    static void allAnswer(Lab lab, Map<Lab.Container, List<String>> pairs, Duration deadline) {
        AtomicReference<Map<Lab.Container, List<String>>> left = new AtomicReference<>(pairs);
        Poll.until("every container pair to answer a ping", deadline, () -> {
            left.set(round(lab, left.get()));
            return left.get().isEmpty() ? Optional.of(true) : Optional.empty();
        }, () -> "unanswered: " + describe(left.get()));
    }

    private static String describe(Map<Lab.Container, List<String>> failing) {
        StringBuilder b = new StringBuilder();
        failing.forEach((src, ips) -> b.append("\n  ").append(src.name()).append(" (").append(src.ip()).append(") -> ").append(ips));
        return b.toString();
    }
}
