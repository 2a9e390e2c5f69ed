package io.ovsfabric.agent.upcall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The parser on outputs captured from OVS 3.1.0 in a UML guest (resources upcall/*.txt, see docs/kernel-lab.md). */
class UpcallReportTest {

    static String resource(String name) {
        try (InputStream in = UpcallReportTest.class.getResourceAsStream("/upcall/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no test resource upcall/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void vswitchdStartedBeforeTenSecondsHasNoUpcallThreads() {
        UpcallReport r = UpcallReport.parse(resource("broken-upcall-show.txt"), resource("broken-dpctl-show.txt"));
        assertEquals(UpcallReport.Verdict.NO_UPCALL_THREADS, r.verdict());
        assertEquals("system@ovs-system", r.broken().get(0).name());
        assertEquals(0, r.upcallThreads());
        assertTrue(r.lostUpcalls() > 0, r.describe());
        assertEquals(r.datapaths().get(0).lookups().orElseThrow().missed(), r.datapaths().get(0).lookups().orElseThrow().lost(),
                "every miss is lost");
    }

    @Test
    void vswitchdStartedAfterTenSecondsIsHealthy() {
        UpcallReport r = UpcallReport.parse(resource("healthy-upcall-show.txt"), resource("healthy-dpctl-show.txt"));
        assertEquals(UpcallReport.Verdict.HEALTHY, r.verdict());
        assertTrue(r.upcallThreads() >= 1);
        assertEquals(0, r.lostUpcalls());
        assertTrue(r.broken().isEmpty());
    }

    @Test
    void theLabsRealVswitchdOnTheKernelDatapathIsHealthy() {
        UpcallReport r = UpcallReport.parse(resource("lab-upcall-show.txt"), resource("lab-dpctl-show.txt"));
        assertEquals(UpcallReport.Verdict.HEALTHY, r.verdict(), r.describe());
        assertEquals(0, r.lostUpcalls());
    }

    @Test
    void aLiveVswitchdThatListsItsThreadButLostEveryUpcallIsBroken() {
        UpcallReport r = UpcallReport.parse(resource("live-lost-upcall-show.txt"), resource("live-lost-dpctl-show.txt"));
        assertEquals(1, r.upcallThreads(), r.describe());
        assertEquals(UpcallReport.Verdict.EVERY_UPCALL_LOST, r.verdict(), r.describe());
        assertTrue(r.verdict().broken());
    }

    @Test
    void sinceAnEarlierReportOnlyTheNewMissesCount() {
        UpcallReport broken = UpcallReport.parse(resource("live-lost-upcall-show.txt"), resource("live-lost-dpctl-show.txt"));
        // restarted (the kernel datapath and its counters stay): nothing missed yet, the threads decide
        assertEquals(UpcallReport.Verdict.HEALTHY, broken.verdictSince(java.util.Optional.of(broken)));
        // new misses handled (some lost under load is not the bug)
        assertEquals(UpcallReport.Verdict.HEALTHY, withLookups(broken, 40, 25, 16).verdictSince(java.util.Optional.of(broken)));
        // new misses, every one lost
        assertEquals(UpcallReport.Verdict.EVERY_UPCALL_LOST,
                withLookups(broken, 0, 25, 25).verdictSince(java.util.Optional.of(broken)));
        // fewer than MIN_LOST_MISSES new misses is no evidence
        assertEquals(UpcallReport.Verdict.HEALTHY, withLookups(broken, 0, 17, 17).verdictSince(java.util.Optional.of(broken)));
        // counters that went back (the datapath was created again) count from zero
        assertEquals(UpcallReport.Verdict.EVERY_UPCALL_LOST,
                withLookups(broken, 0, 4, 4).verdictSince(java.util.Optional.of(broken)));
    }

    private static UpcallReport withLookups(UpcallReport r, long hit, long missed, long lost) {
        return new UpcallReport(r.datapaths().stream().map(d -> new UpcallReport.Datapath(d.name(), d.revalidators(),
                java.util.Optional.of(new UpcallReport.Lookups(hit, missed, lost)))).toList());
    }

    @Test
    void withoutDpctlTheThreadsAloneDecide() {
        assertEquals(UpcallReport.Verdict.NO_UPCALL_THREADS, UpcallReport.parse(resource("broken-upcall-show.txt"), "").verdict());
        assertEquals(UpcallReport.Verdict.HEALTHY, UpcallReport.parse(resource("healthy-upcall-show.txt"), "").verdict());
        assertEquals(0, UpcallReport.parse(resource("broken-upcall-show.txt"), "").lostUpcalls());
    }

    @Test
    void userspaceDatapathOrNoBridgeIsNotJudged() {
        assertEquals(UpcallReport.Verdict.NO_KERNEL_DATAPATH, UpcallReport.parse("", "").verdict());
        UpcallReport netdev = UpcallReport.parse(resource("netdev-upcall-show.txt"), "");
        assertEquals(UpcallReport.Verdict.NO_KERNEL_DATAPATH, netdev.verdict(), netdev.describe());
        assertEquals("no kernel datapath", netdev.describe());
    }

    @Test
    void describeNamesTheDatapathThreadsAndCounters() {
        UpcallReport r = UpcallReport.parse(resource("broken-upcall-show.txt"), resource("broken-dpctl-show.txt"));
        assertEquals("system@ovs-system: 0 upcall revalidator thread(s), lookups hit 0 missed 15 lost 15", r.describe());
    }
}
