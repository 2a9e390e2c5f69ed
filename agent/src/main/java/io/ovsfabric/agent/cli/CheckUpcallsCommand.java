package io.ovsfabric.agent.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ovsfabric.agent.linux.ProcessCommandRunner;
import io.ovsfabric.agent.upcall.UpcallReport;
import io.ovsfabric.agent.upcall.UpcallWatch;
import io.ovsfabric.common.HostId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "check-upcalls", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = {"Checks once whether ovs-vswitchd's kernel datapath has upcall threads (what 'run' watches on",
                "the system datapath). OVS 3.1.0 started within 10 s of boot has none, and then every packet that",
                "misses the kernel flow table is lost. Prints the verdict and exits 0 (healthy), 1 (no upcall threads, or",
                "every upcall the datapath made was lost: the same bug once vswitchd started a thread 10 s after boot)",
                "or 3 (no kernel datapath in this vswitchd). With --repair-upcalls it restarts ovs-vswitchd once the",
                "machine has been up 10 s and checks again for up to 30 s.",
                "",
                "Example:",
                "  ovsfabric-agent check-upcalls --ovs-rundir /var/run/openvswitch",
                ""})
final class CheckUpcallsCommand implements Callable<Integer> {

    @Option(names = "--ovs-rundir", defaultValue = "/var/run/openvswitch", paramLabel = "DIR",
            description = "ovs-vswitchd's run dir, with its pidfile and control socket (default: ${DEFAULT-VALUE})")
    Path ovsRundir;

    @Option(names = "--repair-upcalls", description = "restart ovs-vswitchd with --repair-upcalls-command when broken")
    boolean repair;

    @Option(names = "--repair-upcalls-command", paramLabel = "COMMAND",
            defaultValue = UpcallWatch.Options.DEFAULT_REPAIR_COMMAND,
            description = "what restarts ovs-vswitchd: words split at blanks, no shell (default: ${DEFAULT-VALUE})")
    String repairCommand;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        UpcallWatch watch = new UpcallWatch(HostId.of("local"), ovsRundir,
                UpcallWatch.Options.reportOnly().withRepair(repair, repairCommand), ProcessCommandRunner.local(),
                new SimpleMeterRegistry(), UpcallWatch::procUptimeMs, System::currentTimeMillis);
        UpcallReport.Verdict verdict = watch.check();
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (repair && verdict.broken() && System.nanoTime() < end) {
            Thread.sleep(1000);   // the restarted vswitchd sets its datapath up again; check() repairs only once
            try {
                verdict = watch.check();
            } catch (RuntimeException e) {
                verdict = UpcallReport.Verdict.NO_UPCALL_THREADS;   // not answering yet
            }
        }
        spec.commandLine().getOut().println(verdict.name().toLowerCase(Locale.ROOT).replace('_', ' ') + ": "
                + watch.lastReport().map(UpcallReport::describe).orElse("(no answer from ovs-vswitchd)"));
        return switch (verdict) {
            case HEALTHY -> 0;
            case NO_UPCALL_THREADS, EVERY_UPCALL_LOST -> 1;
            case NO_KERNEL_DATAPATH -> 3;
        };
    }
}
