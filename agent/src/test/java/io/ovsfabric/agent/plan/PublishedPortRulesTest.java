package io.ovsfabric.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.model.PublishedPort;
import io.ovsfabric.agent.testing.FakePacketFilter;
import io.ovsfabric.common.Ipv4Address;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The published ports' DNAT chain as part of the data plane's one filter plan (FilterPlanner + FilterDiff). */
class PublishedPortRulesTest {
    private static final String EP1 = "0123456789abcdef".repeat(4);
    private static final String EP2 = "fedcba9876543210".repeat(4);
    private static final PublishedPort WEB = new PublishedPort(PublishedPort.Protocol.TCP, PublishedPort.ANY, 8081,
            Ipv4Address.parse("10.205.0.2"), 80, EP1);
    private static final PublishedPort DNS = new PublishedPort(PublishedPort.Protocol.UDP,
            Ipv4Address.parse("192.0.2.11"), 5353, Ipv4Address.parse("10.205.0.3"), 53, EP2);
    private static final String CHAIN = FilterPlanner.PORTS_CHAIN;

    private static FilterRules rules(List<PublishedPort> ports) {
        return FilterPlanner.rules(Topologies.FABRIC, "docker0", List.of(), Optional.of(ports));
    }

    /** One data plane pass over iptables; returns the script it wrote, or empty when nothing was to be done. */
    private static Optional<String> pass(FakePacketFilter host, FilterRules rules) {
        Optional<String> script = FilterDiff.change(rules, host.observe()).map(c -> ((Change.SyncFilter) c).script());
        script.ifPresent(host::restore);
        return script;
    }

    @Test
    void rulesAreDnatPerPortAsIptablesSavePrintsThem() {
        assertEquals(List.of(
                "-p tcp -m tcp --dport 8081 -m comment --comment ofx-ep-0123456789ab -j DNAT --to-destination 10.205.0.2:80",
                "-d 192.0.2.11/32 -p udp -m udp --dport 5353 -m comment --comment ofx-ep-fedcba987654"
                        + " -j DNAT --to-destination 10.205.0.3:53"),
                FilterPlanner.portRules(List.of(WEB, DNS)));
    }

    @Test
    void aHostThatNeverPublishedGetsNoChain() {
        FakePacketFilter host = new FakePacketFilter();
        String script = pass(host, rules(List.of())).orElseThrow();
        assertFalse(script.contains(CHAIN), script);
        assertFalse(host.observe().hasChain("nat", CHAIN));
        assertEquals(Optional.empty(), pass(host, rules(List.of())));
    }

    @Test
    void theFirstPortCreatesChainAndHooksThenNothingMoreIsWrittenUntilPortsChange() {
        FakePacketFilter host = new FakePacketFilter();
        host.append("nat", "PREROUTING", "-m addrtype --dst-type LOCAL -j DOCKER");
        String script = pass(host, rules(List.of(WEB))).orElseThrow();
        assertTrue(script.contains("""
                :OVSFABRIC-PORTS - [0:0]
                -A OVSFABRIC-PORTS -p tcp -m tcp --dport 8081 -m comment --comment ofx-ep-0123456789ab -j DNAT --to-destination 10.205.0.2:80
                """), script);
        assertTrue(script.contains("""
                -I PREROUTING 1 -m addrtype --dst-type LOCAL -j OVSFABRIC-PORTS
                -I OUTPUT 1 ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j OVSFABRIC-PORTS
                """), script);
        assertEquals(Optional.empty(), pass(host, rules(List.of(WEB))));
        assertEquals(List.of("-m addrtype --dst-type LOCAL -j OVSFABRIC-PORTS", "-m addrtype --dst-type LOCAL -j DOCKER"),
                host.observe().rules("nat", "PREROUTING"));

        pass(host, rules(List.of(WEB, DNS))).orElseThrow();
        assertEquals(FilterPlanner.portRules(List.of(WEB, DNS)), host.observe().rules("nat", CHAIN));

        // the last port gone: the chain stays, empty, still hooked; a second pass writes nothing
        pass(host, rules(List.of())).orElseThrow();
        assertEquals(List.of(), host.observe().rules("nat", CHAIN));
        assertTrue(host.observe().rules("nat", "OUTPUT").contains("! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j OVSFABRIC-PORTS"));
        assertEquals(Optional.empty(), pass(host, rules(List.of())));
    }

    @Test
    void aJumpBehindDockersIsNotMovedOnlyMissingOrDuplicateOnesAreRepaired() {
        FakePacketFilter host = new FakePacketFilter();
        pass(host, rules(List.of(WEB))).orElseThrow();
        host.append("nat", "PREROUTING", "-m addrtype --dst-type LOCAL -j DOCKER");
        host.delete("nat", "PREROUTING", "-m addrtype --dst-type LOCAL -j OVSFABRIC-PORTS");
        host.append("nat", "PREROUTING", "-m addrtype --dst-type LOCAL -j OVSFABRIC-PORTS");
        assertEquals(Optional.empty(), pass(host, rules(List.of(WEB))), "once, behind Docker's jump, is fine");
    }

    @Test
    void foreignRulesInTheChainAndDuplicateOrMissingHooksAreRepaired() {
        FakePacketFilter host = new FakePacketFilter();
        pass(host, rules(List.of(WEB))).orElseThrow();
        host.append("nat", CHAIN, "-p tcp -m tcp --dport 9999 -j DNAT --to-destination 10.9.9.9:1");
        host.append("nat", "PREROUTING", "-m addrtype --dst-type LOCAL -j OVSFABRIC-PORTS");
        host.delete("nat", "OUTPUT", "! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j OVSFABRIC-PORTS");
        pass(host, rules(List.of(WEB))).orElseThrow();
        assertEquals(FilterPlanner.portRules(List.of(WEB)), host.observe().rules("nat", CHAIN));
        assertEquals(List.of("-m addrtype --dst-type LOCAL -j OVSFABRIC-PORTS"), host.observe().rules("nat", "PREROUTING"));
        assertEquals(List.of("! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j OVSFABRIC-PORTS"),
                host.observe().rules("nat", "OUTPUT"));
    }

    @Test
    void aDnatRuleDeletedByHandComesBackWithTheNextPass() {
        FakePacketFilter host = new FakePacketFilter();
        pass(host, rules(List.of(WEB, DNS))).orElseThrow();
        host.delete("nat", CHAIN, FilterPlanner.portRules(List.of(WEB)).get(0));   // iptables -t nat -D ...
        pass(host, rules(List.of(WEB, DNS))).orElseThrow();
        assertEquals(FilterPlanner.portRules(List.of(WEB, DNS)), host.observe().rules("nat", CHAIN));
    }

    @Test
    void whileThePluginsStateIsUnknownTheChainIsLeftAloneAndTeardownRemovesIt() {
        FakePacketFilter host = new FakePacketFilter();
        pass(host, rules(List.of(WEB))).orElseThrow();
        FilterRules unknown = FilterPlanner.rules(Topologies.FABRIC, "docker0", List.of(), Optional.empty());
        assertEquals(Optional.empty(), FilterDiff.change(unknown, host.observe()));
        host.append("nat", CHAIN, "-p tcp -m tcp --dport 9999 -j DNAT --to-destination 10.9.9.9:1");
        assertEquals(Optional.empty(), FilterDiff.change(unknown, host.observe()), "not even compared");
        assertEquals(2, host.observe().rules("nat", CHAIN).size());

        host.restore(FilterDiff.teardownScript(host.observe()));
        assertTrue(host.observe().ownedChains("nat").isEmpty(), host.observe().toString());
        assertEquals(List.of(), host.observe().rules("nat", "PREROUTING"));
        assertEquals(List.of(), host.observe().rules("nat", "OUTPUT"));
    }
}
