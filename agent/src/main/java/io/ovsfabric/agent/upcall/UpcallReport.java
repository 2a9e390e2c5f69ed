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
        /** every kernel datapath has upcall threads */
        HEALTHY,
        /** a kernel datapath has none: the OVS 3.1 bug */
        NO_UPCALL_THREADS,
        /** no kernel datapath in the output (no system bridge yet, or only userspace ones) */
        NO_KERNEL_DATAPATH
    }

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

    public Verdict verdict() {
        List<Datapath> kernel = datapaths.stream().filter(Datapath::kernel).toList();
        if (kernel.isEmpty()) {
            return Verdict.NO_KERNEL_DATAPATH;
        }
        return kernel.stream().anyMatch(d -> d.revalidators() == 0) ? Verdict.NO_UPCALL_THREADS : Verdict.HEALTHY;
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
