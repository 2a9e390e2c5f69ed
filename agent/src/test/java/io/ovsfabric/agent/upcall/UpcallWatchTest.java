package io.ovsfabric.agent.upcall;

import static io.ovsfabric.agent.upcall.UpcallReportTest.resource;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ovsfabric.agent.linux.Command;
import io.ovsfabric.agent.linux.CommandResult;
import io.ovsfabric.agent.linux.CommandRunner;
import io.ovsfabric.agent.linux.RunningCommand;
import io.ovsfabric.common.HostId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class UpcallWatchTest {

    /** A vswitchd that answers from captured outputs; a restart (the repair command) makes it healthy. */
    static final class FakeVswitchd implements CommandRunner {
        final List<Command> ran = new ArrayList<>();
        boolean healthy;
        int restartExit;

        @Override
        public CommandResult run(Command c) {
            ran.add(c);
            String last = c.argv().get(c.argv().size() - 1);
            if (c.argv().get(0).equals("ovs-appctl")) {
                assertEquals("/run/h1/ovs", c.env().get("OVS_RUNDIR"), "ovs-appctl is pointed at this host's vswitchd");
                String state = healthy ? "healthy" : "broken";
                return new CommandResult(c, 0, resource(state + "-" + (last.equals("upcall/show") ? "upcall" : "dpctl") + "-show.txt"), "");
            }
            if (restartExit == 0) {
                healthy = true;
            }
            return new CommandResult(c, restartExit, "", restartExit == 0 ? "" : "Failed to restart ovs-vswitchd.service");
        }

        @Override
        public RunningCommand start(Command command) {
            throw new UnsupportedOperationException();
        }

        long restarts() {
            return ran.stream().filter(c -> c.argv().get(0).equals("systemctl")).count();
        }
    }

    final FakeVswitchd vswitchd = new FakeVswitchd();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final AtomicLong uptime = new AtomicLong(60_000);
    final AtomicLong now = new AtomicLong(1_000_000);

    UpcallWatch watch(boolean repair) {
        return new UpcallWatch(HostId.of("h1"), Path.of("/run/h1/ovs"),
                UpcallWatch.Options.reportOnly().withRepair(repair, UpcallWatch.Options.DEFAULT_REPAIR_COMMAND),
                vswitchd, registry, uptime::get, now::get);
    }

    double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    @Test
    void reportsTheBugWithoutRepairingByDefault() {
        UpcallWatch w = watch(false);
        assertEquals(UpcallReport.Verdict.NO_UPCALL_THREADS, w.check());
        assertEquals(1.0, gauge("ovsfabric.agent.datapath.upcall.broken"));
        assertEquals(15.0, gauge("ovsfabric.agent.datapath.upcalls.lost"));
        assertEquals(0.0, gauge("ovsfabric.agent.datapath.upcall.threads"));
        assertEquals(0, vswitchd.restarts());
    }

    @Test
    void repairRestartsVswitchdOnceAndTheNextCheckSeesItHealthy() {
        UpcallWatch w = watch(true);
        assertEquals(UpcallReport.Verdict.NO_UPCALL_THREADS, w.check());
        assertEquals(1, vswitchd.restarts());
        assertEquals(List.of("systemctl", "restart", "ovs-vswitchd.service"), vswitchd.ran.get(vswitchd.ran.size() - 1).argv());
        assertEquals(UpcallReport.Verdict.HEALTHY, w.check());
        assertEquals(0.0, gauge("ovsfabric.agent.datapath.upcall.broken"));
        assertEquals(1.0, registry.get("ovsfabric.agent.datapath.upcall.repairs").tag("result", "ok").counter().count());
    }

    @Test
    void noRestartBeforeTheMachineHasBeenUpTenSeconds() {
        uptime.set(4_000);
        UpcallWatch w = watch(true);
        w.check();
        assertEquals(0, vswitchd.restarts(), "a restart now would count 0 CPUs again");
        uptime.set(12_000);
        w.check();
        assertEquals(1, vswitchd.restarts());
    }

    @Test
    void aRepairThatFailsIsNotRepeatedInALoop() {
        vswitchd.restartExit = 1;
        UpcallWatch w = watch(true);
        w.check();
        now.addAndGet(Duration.ofMinutes(1).toMillis());
        w.check();
        assertEquals(1, vswitchd.restarts(), "one repair per 10 minutes");
        assertEquals(1.0, registry.get("ovsfabric.agent.datapath.upcall.repairs").tag("result", "failed").counter().count());
        now.addAndGet(Duration.ofMinutes(10).toMillis());
        w.check();
        assertEquals(2, vswitchd.restarts());
    }

    @Test
    void aRepairCommandIsRequired() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> UpcallWatch.Options.reportOnly().withRepair(true, "  "));
    }
}
