package io.ovsfabric.agent.upcall;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.ovsfabric.agent.linux.Command;
import io.ovsfabric.agent.linux.CommandFailedException;
import io.ovsfabric.agent.linux.CommandResult;
import io.ovsfabric.agent.linux.CommandRunner;
import io.ovsfabric.common.HostId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the kernel datapath for OVS 3.1's "0 upcall threads" bug ({@link UpcallReport}): asks ovs-vswitchd
 * ({@code ovs-appctl upcall/show} and {@code dpctl/show}) shortly after start and then periodically. When a
 * {@code system} datapath has no upcall threads it logs an ERROR that names the bug and the fix, sets
 * {@code ovsfabric_agent_datapath_upcall_broken} to 1, and, only with {@link Options#repair()}, runs the repair
 * command (by default {@code systemctl restart ovs-vswitchd.service}) once the machine has been up 10 s, at most
 * once per {@link Options#repairEvery()}. Only for the {@code system} datapath; the userspace one has no upcalls
 * to lose.
 */
public final class UpcallWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UpcallWatch.class);

    /** OVS 3.1.0 counts 0 CPUs while CLOCK_MONOTONIC is below 10 s: a restart before then would hit the bug again. */
    static final long MIN_UPTIME_MS = 10_500;

    /**
     * @param repair        restart vswitchd when the bug is seen (off: only report it)
     * @param repairCommand the argv that restarts ovs-vswitchd (the service manager's restart)
     * @param firstCheck    delay before the first check (the bridge should exist by then)
     * @param interval      between checks
     * @param repairEvery   at most one repair per this long (no restart loop if the repair does not help)
     */
    public record Options(boolean repair, List<String> repairCommand, Duration firstCheck, Duration interval,
            Duration repairEvery) {
        public static final String DEFAULT_REPAIR_COMMAND = "systemctl restart ovs-vswitchd.service";

        public Options {
            repairCommand = List.copyOf(repairCommand);
            if (repair && repairCommand.isEmpty()) {
                throw new IllegalArgumentException("--repair-upcalls needs a command (--repair-upcalls-command)");
            }
        }

        /** Reports the bug, repairs nothing: the default. */
        public static Options reportOnly() {
            return new Options(false, words(DEFAULT_REPAIR_COMMAND), Duration.ofSeconds(15), Duration.ofSeconds(60),
                    Duration.ofMinutes(10));
        }

        public Options withRepair(boolean on, String command) {
            return new Options(on, words(command), firstCheck, interval, repairEvery);
        }

        /** A command line split at blanks (no shell, no quoting). */
        static List<String> words(String command) {
            return command == null ? List.of() : Arrays.stream(command.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
        }
    }

    private final HostId host;
    private final Path ovsRundir;
    private final Options options;
    private final CommandRunner runner;
    private final LongSupplier uptimeMs;
    private final LongSupplier nowMs;
    private final AtomicLong broken = new AtomicLong(-1);
    private final AtomicLong threads = new AtomicLong(-1);
    private final AtomicLong lost = new AtomicLong(-1);
    private final Counter repairsOk;
    private final Counter repairsFailed;
    private final MeterRegistry registry;
    private ScheduledExecutorService scheduler;   // null until start()
    private UpcallReport.Verdict last;
    private UpcallReport lastReport;
    private long lastErrorMs = Long.MIN_VALUE;
    private long lastRepairMs = Long.MIN_VALUE;

    public UpcallWatch(HostId host, Path ovsRundir, Options options, CommandRunner runner, MeterRegistry registry,
            LongSupplier uptimeMs, LongSupplier nowMs) {
        this.host = host;
        this.ovsRundir = ovsRundir;
        this.options = options;
        this.runner = runner;
        this.uptimeMs = uptimeMs;
        this.nowMs = nowMs;
        this.registry = registry;
        Gauge.builder("ovsfabric.agent.datapath.upcall.broken", broken, AtomicLong::get)
                .description("1: the kernel datapath has no upcall threads (OVS 3.1 bug, every miss is lost); 0: it has;"
                        + " -1: not checked or no kernel datapath").register(registry);
        Gauge.builder("ovsfabric.agent.datapath.upcall.threads", threads, AtomicLong::get)
                .description("upcall revalidator threads of the kernel datapath (upcall/show); -1: unknown").register(registry);
        Gauge.builder("ovsfabric.agent.datapath.upcalls.lost", lost, AtomicLong::get)
                .description("upcalls the kernel datapath lost (dpctl/show lookups lost); -1: unknown").register(registry);
        repairsOk = repairCounter("ok");
        repairsFailed = repairCounter("failed");
    }

    /** The real one: commands through {@code runner}, uptime from /proc/uptime; checks begin after firstCheck. */
    public static UpcallWatch start(HostId host, Path ovsRundir, Options options, CommandRunner runner,
            MeterRegistry registry) {
        UpcallWatch watch = new UpcallWatch(host, ovsRundir, options, runner, registry, UpcallWatch::procUptimeMs,
                System::currentTimeMillis);
        watch.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "upcall-watch");
            t.setDaemon(true);
            return t;
        });
        watch.scheduler.scheduleWithFixedDelay(watch::checkQuietly, options.firstCheck().toMillis(),
                options.interval().toMillis(), TimeUnit.MILLISECONDS);
        log.info("Host {}: watching the kernel datapath's upcall threads (OVS 3.1 bug) every {}s; repair {}", host,
                options.interval().toSeconds(), options.repair() ? "on: " + String.join(" ", options.repairCommand())
                        : "off (--repair-upcalls to restart ovs-vswitchd)");
        return watch;
    }

    private void checkQuietly() {
        try {
            check();
        } catch (RuntimeException e) {
            log.warn("Host {}: cannot check the kernel datapath's upcall threads: {}", host, e.getMessage());
        }
    }

    /** One check: ask vswitchd, judge, log, update the meters, repair if allowed. Returns the verdict. */
    public synchronized UpcallReport.Verdict check() {
        String upcalls = appctl("upcall/show").requireSuccess().stdout();
        CommandResult dp = appctl("dpctl/show");
        UpcallReport report = UpcallReport.parse(upcalls, dp.succeeded() ? dp.stdout() : "");
        UpcallReport.Verdict verdict = report.verdictSince(java.util.Optional.ofNullable(lastReport));
        lastReport = report;
        threads.set(verdict == UpcallReport.Verdict.NO_KERNEL_DATAPATH ? -1 : report.upcallThreads());
        lost.set(verdict == UpcallReport.Verdict.NO_KERNEL_DATAPATH || !dp.succeeded() ? -1 : report.lostUpcalls());
        broken.set(switch (verdict) {
            case HEALTHY -> 0;
            case NO_UPCALL_THREADS, EVERY_UPCALL_LOST -> 1;
            case NO_KERNEL_DATAPATH -> -1;
        });
        long now = nowMs.getAsLong();
        switch (verdict) {
            case HEALTHY -> {
                if (last != UpcallReport.Verdict.HEALTHY) {
                    log.info("Host {}: kernel datapath has its upcall threads ({})", host, report.describe());
                }
            }
            case NO_KERNEL_DATAPATH -> {
                if (last == null) {
                    log.debug("Host {}: no kernel datapath in ovs-vswitchd yet", host);
                }
            }
            case NO_UPCALL_THREADS, EVERY_UPCALL_LOST -> {
                if (last != verdict || now - lastErrorMs >= options.repairEvery().toMillis()) {
                    lastErrorMs = now;
                    log.error("Host {}: the kernel datapath {} ({}): every packet that misses the kernel"
                            + " flow table is lost, so new flows never forward. This is OVS 3.1.0's bug: ovs-vswitchd"
                            + " started within 10 s of boot counts 0 CPUs and starts no handlers (its log says"
                            + " 'Overriding n-handler-threads to 0'; fixed upstream by 'ovs-thread: Fix cpus not read for"
                            + " the first 10s'). Fix: restart ovs-vswitchd now that the machine has been up 10 s (setting"
                            + " n-handler-threads does not help), or upgrade OVS; {}", host,
                            verdict == UpcallReport.Verdict.NO_UPCALL_THREADS ? "has NO upcall threads"
                                    : "LOSES EVERY UPCALL although it lists its upcall threads", report.describe(),
                            options.repair() ? "the agent restarts it (--repair-upcalls)"
                                    : "the agent does that itself with --repair-upcalls");
                }
                if (options.repair()) {
                    repair(now);
                }
            }
        }
        last = verdict;
        return verdict;
    }

    private void repair(long now) {
        long up = uptimeMs.getAsLong();
        if (up < MIN_UPTIME_MS) {
            log.warn("Host {}: not restarting ovs-vswitchd yet: the machine has been up {} ms, and before 10 s OVS 3.1"
                    + " would count 0 CPUs again", host, up);
            return;
        }
        if (lastRepairMs != Long.MIN_VALUE && now - lastRepairMs < options.repairEvery().toMillis()) {
            return;   // one repair per repairEvery: a repair that did not help is not repeated in a loop
        }
        lastRepairMs = now;
        Command restart = Command.of(options.repairCommand());
        log.warn("Host {}: repairing the kernel datapath's upcall threads: {}", host, restart);
        try {
            runner.check(restart);
            repairsOk.increment();
            log.info("Host {}: ran {}; the next check (in {}s) tells whether the datapath has its upcall threads back",
                    host, restart, options.interval().toSeconds());
        } catch (CommandFailedException e) {
            repairsFailed.increment();
            log.error("Host {}: the repair {} failed: {}; restart ovs-vswitchd by hand", host, restart, e.getMessage());
        }
    }

    private CommandResult appctl(String what) {
        // OVS_RUNDIR: ovs-appctl -t ovs-vswitchd finds that vswitchd's pidfile and control socket there
        return runner.run(new Command(List.of("ovs-appctl", "--timeout=10", "-t", "ovs-vswitchd", what),
                Map.of("OVS_RUNDIR", ovsRundir.toString()), null));
    }

    private Counter repairCounter(String result) {
        return Counter.builder("ovsfabric.agent.datapath.upcall.repairs")
                .description("ovs-vswitchd restarts the agent ran for the 0-upcall-threads bug, by result")
                .tag("result", result).register(registry);
    }

    /** The machine's uptime (CLOCK_BOOTTIME, which equals CLOCK_MONOTONIC unless the machine suspended). */
    public static long procUptimeMs() {
        try {
            String first = Files.readString(Path.of("/proc/uptime")).trim().split("\\s+")[0];
            return (long) (Double.parseDouble(first) * 1000);
        } catch (IOException | RuntimeException e) {
            return Long.MAX_VALUE;   // unknown: assume long up, the 10 s rule matters only right after boot
        }
    }

    /** What the last check read; empty before the first one answered. */
    public synchronized java.util.Optional<UpcallReport> lastReport() {
        return java.util.Optional.ofNullable(lastReport);
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
