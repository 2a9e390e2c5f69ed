package io.ovsfabric.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.fakes.FakePacketFilter;
import io.ovsfabric.agent.model.PublishedPort;
import io.ovsfabric.common.Ipv4Address;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PortForwardingPlannerTest {
    private static final String EP1 = "0123456789abcdef".repeat(4);
    private static final String EP2 = "fedcba9876543210".repeat(4);
    private static final PublishedPort WEB = new PublishedPort(PublishedPort.Protocol.TCP, PublishedPort.ANY, 8081,
            Ipv4Address.parse("10.205.0.2"), 80, EP1);
    private static final PublishedPort DNS = new PublishedPort(PublishedPort.Protocol.UDP,
            Ipv4Address.parse("192.0.2.11"), 5353, Ipv4Address.parse("10.205.0.3"), 53, EP2);

    @Test
    void rulesAreDnatPerPortAsIptablesSavePrintsThem() {
        assertEquals(List.of(
                "-p tcp -m tcp --dport 8081 -m comment --comment ofx-ep-0123456789ab -j DNAT --to-destination 10.205.0.2:80",
                "-d 192.0.2.11/32 -p udp -m udp --dport 5353 -m comment --comment ofx-ep-fedcba987654"
                        + " -j DNAT --to-destination 10.205.0.3:53"),
                PortForwardingPlanner.rules(List.of(WEB, DNS)));
    }

    @Test
    void aHostThatNeverPublishedGetsNoChain() {
        FakePacketFilter host = new FakePacketFilter();
        assertEquals(Optional.empty(), PortForwardingPlanner.script(List.of(), host.observe()));
    }

    @Test
    void theFirstPortCreatesChainAndHooksThenNothingMoreIsWrittenUntilPortsChange() {
        FakePacketFilter host = new FakePacketFilter();
        host.append("nat", "PREROUTING", "-m addrtype --dst-type LOCAL -j DOCKER");
        String script = PortForwardingPlanner.script(List.of(WEB), host.observe()).orElseThrow();
        assertEquals("""
                *nat
                :OVSFABRIC-PORTS - [0:0]
                -A OVSFABRIC-PORTS -p tcp -m tcp --dport 8081 -m comment --comment ofx-ep-0123456789ab -j DNAT --to-destination 10.205.0.2:80
                -I PREROUTING 1 -m addrtype --dst-type LOCAL -j OVSFABRIC-PORTS
                -I OUTPUT 1 ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j OVSFABRIC-PORTS
                COMMIT
                """, script);
        host.restore(script);
        assertEquals(Optional.empty(), PortForwardingPlanner.script(List.of(WEB), host.observe()));
        assertEquals(List.of("-m addrtype --dst-type LOCAL -j OVSFABRIC-PORTS", "-m addrtype --dst-type LOCAL -j DOCKER"),
                host.observe().rules("nat", "PREROUTING"));

        host.restore(PortForwardingPlanner.script(List.of(WEB, DNS), host.observe()).orElseThrow());
        assertEquals(PortForwardingPlanner.rules(List.of(WEB, DNS)), host.observe().rules("nat", PortForwardingPlanner.CHAIN));

        // the last port gone: the chain stays, empty, still hooked; a second pass writes nothing
        host.restore(PortForwardingPlanner.script(List.of(), host.observe()).orElseThrow());
        assertEquals(List.of(), host.observe().rules("nat", PortForwardingPlanner.CHAIN));
        assertEquals(Optional.empty(), PortForwardingPlanner.script(List.of(), host.observe()));
    }

    @Test
    void foreignRulesInTheChainAndDuplicateOrMissingHooksAreRepaired() {
        FakePacketFilter host = new FakePacketFilter();
        host.restore(PortForwardingPlanner.script(List.of(WEB), host.observe()).orElseThrow());
        host.append("nat", PortForwardingPlanner.CHAIN, "-p tcp -m tcp --dport 9999 -j DNAT --to-destination 10.9.9.9:1");
        host.append("nat", "PREROUTING", "-m addrtype --dst-type LOCAL -j OVSFABRIC-PORTS");
        host.delete("nat", "OUTPUT", "! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j OVSFABRIC-PORTS");
        host.restore(PortForwardingPlanner.script(List.of(WEB), host.observe()).orElseThrow());
        assertEquals(PortForwardingPlanner.rules(List.of(WEB)), host.observe().rules("nat", PortForwardingPlanner.CHAIN));
        assertEquals(List.of("-m addrtype --dst-type LOCAL -j OVSFABRIC-PORTS"), host.observe().rules("nat", "PREROUTING"));
        assertEquals(List.of("! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j OVSFABRIC-PORTS"),
                host.observe().rules("nat", "OUTPUT"));
    }

    @Test
    void theDataPlaneKeepsThePluginsChainButTeardownRemovesIt() {
        FakePacketFilter host = new FakePacketFilter();
        host.restore(PortForwardingPlanner.script(List.of(WEB), host.observe()).orElseThrow());
        FilterRules dataPlane = FilterPlanner.rules(Topologies.FABRIC, "docker0");
        host.restore(FilterDiff.change(dataPlane, host.observe()).map(c -> ((Change.SyncFilter) c).script()).orElseThrow());
        assertEquals(Optional.empty(), FilterDiff.change(dataPlane, host.observe()));
        assertEquals(PortForwardingPlanner.rules(List.of(WEB)), host.observe().rules("nat", PortForwardingPlanner.CHAIN));

        host.restore(FilterDiff.teardownScript(host.observe()));
        assertTrue(host.observe().ownedChains("nat").isEmpty(), host.observe().toString());
        assertEquals(List.of(), host.observe().rules("nat", "PREROUTING"));
        assertEquals(List.of(), host.observe().rules("nat", "OUTPUT"));
    }
}
