package io.ovsfabric.agent.upcall;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What ovs-vswitchd says about its kernel datapath's upcall threads, parsed from {@code ovs-appctl upcall/show} and
 * {@code ovs-appctl dpctl/show} (pure: no I/O).
 *
 * <p>OVS 3.1.0 (Debian bookworm) counts 0 CPU cores while CLOCK_MONOTONIC is below 10 s. A vswitchd that opens its
 * {@code system} datapath then starts no upcall threads at all ("Overriding n-handler-threads to 0" in its log):
 * every packet that misses the kernel flow table is lost ({@code lookups: ... lost} grows with {@code missed}),
 * so nothing new is ever forwarded. Fixed upstream by "ovs-thread: Fix cpus not read for the first 10s" and
 * "dpif-netlink: Always create at least 1 handler"; restarting ovs-vswitchd once the machine has been up 10 s
 * repairs it (setting {@code other_config:n-handler-threads} does not). In {@code upcall/show}, a datapath with
 * threads lists its revalidators as {@code "  1: (keys 5)"}; the broken one lists none.
 */
public record UpcallReport(List<Datapath> datapaths) {

    /** One datapath: its name ({@code system@ovs-system}), how many revalidator threads it lists, its counters. */
    public record Datapath(String name, int revalidators, Optional<Lookups> lookups) {
        public boolean kernel() {
            return name.startsWith("system@");
        }
    }

    /** {@code lookups: hit:H missed:M lost:L} of {@code dpctl/show}. */
    public record Lookups(long hit, long missed, long lost) {}

    public enum Verdict {
        /** every kernel datapath has upcall threads, and they handle the upcalls */
        HEALTHY,
        /** a kernel datapath has none: the OVS 3.1 bug, right after vswitchd started */
        NO_UPCALL_THREADS,
        /**
         * a kernel datapath lists its threads but lost every upcall it made: the same bug once vswitchd, 10 s
         * after boot, counted its CPUs again and started a thread, whose channel the datapath's ports never got
         * (seen live in the kernel lab: "Overriding n-handler-threads to 1", yet {@code lost} kept up with
         * {@code missed} and nothing new forwarded until vswitchd was restarted)
         */
        EVERY_UPCALL_LOST,
        /** no kernel datapath in the output (no system bridge yet, or only userspace ones) */
        NO_KERNEL_DATAPATH;

        /** New flows do not forward: the repair (a vswitchd restart) applies. */
        public boolean broken() {
            return this == NO_UPCALL_THREADS || this == EVERY_UPCALL_LOST;
        }
    }

    /** Misses (since the earlier report, or ever) all lost before a datapath counts as losing every upcall. */
    static final long MIN_LOST_MISSES = 3;

    public UpcallReport {
        datapaths = List.copyOf(datapaths);
    }

    private static final Pattern HEADER = Pattern.compile("^(\\S+@\\S+):\\s*$");
    private static final Pattern REVALIDATOR = Pattern.compile("^\\s+\\d+: \\(keys \\d+\\)\\s*$");
    private static final Pattern LOOKUPS = Pattern.compile("^\\s+lookups: hit:(\\d+) missed:(\\d+) lost:(\\d+)\\s*$");

    /**
     * @param upcallShow the output of {@code ovs-appctl upcall/show}
     * @param dpctlShow  the output of {@code ovs-appctl dpctl/show} (or {@code ovs-dpctl show}); empty when unknown
     */
    public static UpcallReport parse(String upcallShow, String dpctlShow) {
        Map<String, Integer> revalidators = new LinkedHashMap<>();
        String current = null;
        for (String line : upcallShow.lines().toList()) {
            Matcher h = HEADER.matcher(line);
            if (h.matches()) {
                current = h.group(1);
                revalidators.putIfAbsent(current, 0);
            } else if (current != null && REVALIDATOR.matcher(line).matches()) {
                revalidators.merge(current, 1, Integer::sum);
            }
        }
        Map<String, Lookups> lookups = new LinkedHashMap<>();
        current = null;
        for (String line : dpctlShow.lines().toList()) {
            Matcher h = HEADER.matcher(line);
            Matcher l = LOOKUPS.matcher(line);
            if (h.matches()) {
                current = h.group(1);
            } else if (current != null && l.matches()) {
                lookups.put(current, new Lookups(Long.parseLong(l.group(1)), Long.parseLong(l.group(2)),
                        Long.parseLong(l.group(3))));
            }
        }
        List<Datapath> all = new ArrayList<>();
        revalidators.forEach((name, n) -> all.add(new Datapath(name, n, Optional.ofNullable(lookups.get(name)))));
        return new UpcallReport(all);
    }

    /** The verdict from this report alone: the counters since each datapath was created. */
    public Verdict verdict() {
        return verdictSince(Optional.empty());
    }

    /**
     * The verdict, judging upcalls by what changed since {@code earlier} (a report of the same vswitchd's
     * datapaths): a datapath that made at least {@link #MIN_LOST_MISSES} upcalls since then and lost them all is
     * broken. When nothing missed since then, only the threads are judged. Without an earlier report (or when the
     * counters went back: a datapath created again) the counters since the datapath's creation count.
     */
    public Verdict verdictSince(Optional<UpcallReport> earlier) {
        List<Datapath> kernel = datapaths.stream().filter(Datapath::kernel).toList();
        if (kernel.isEmpty()) {
            return Verdict.NO_KERNEL_DATAPATH;
        }
        if (kernel.stream().anyMatch(d -> d.revalidators() == 0)) {
            return Verdict.NO_UPCALL_THREADS;
        }
        return kernel.stream().anyMatch(d -> losesEveryUpcall(d, earlier.flatMap(e -> e.datapath(d.name()))))
                ? Verdict.EVERY_UPCALL_LOST : Verdict.HEALTHY;
    }

    private static boolean losesEveryUpcall(Datapath now, Optional<Datapath> before) {
        if (now.lookups().isEmpty()) {
            return false;
        }
        Lookups n = now.lookups().get();
        Optional<Lookups> b = before.flatMap(Datapath::lookups).filter(l -> l.missed() <= n.missed() && l.lost() <= n.lost());
        long missed = n.missed() - b.map(Lookups::missed).orElse(0L);
        long lost = n.lost() - b.map(Lookups::lost).orElse(0L);
        return missed >= MIN_LOST_MISSES && lost >= missed;
    }

    private Optional<Datapath> datapath(String name) {
        return datapaths.stream().filter(d -> d.name().equals(name)).findFirst();
    }

    /** The kernel datapaths without upcall threads. */
    public List<Datapath> broken() {
        return datapaths.stream().filter(d -> d.kernel() && d.revalidators() == 0).toList();
    }

    /** Upcalls lost on the kernel datapaths, summed (0 when dpctl/show was not read). */
    public long lostUpcalls() {
        return datapaths.stream().filter(Datapath::kernel).flatMap(d -> d.lookups().stream()).mapToLong(Lookups::lost).sum();
    }

    /** Revalidator threads of the kernel datapaths, summed. */
    public int upcallThreads() {
        return datapaths.stream().filter(Datapath::kernel).mapToInt(Datapath::revalidators).sum();
    }

    /** One line for a log: each kernel datapath with its threads and counters. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        for (Datapath d : datapaths) {
            if (!d.kernel()) {
                continue;
            }
            parts.add(d.name() + ": " + d.revalidators() + " upcall revalidator thread(s)" + d.lookups()
                    .map(l -> ", lookups hit " + l.hit() + " missed " + l.missed() + " lost " + l.lost()).orElse(""));
        }
        return parts.isEmpty() ? "no kernel datapath" : String.join("; ", parts);
    }
}
