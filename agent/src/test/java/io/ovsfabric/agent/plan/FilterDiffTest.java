package io.ovsfabric.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FilterDiffTest {
    private static final FilterRules RULES = FilterPlanner.rules(Topologies.FABRIC, "docker0");

    private static FilterState state(Map<String, List<String>> nat, Map<String, List<String>> filter) {
        return new FilterState(Map.of("nat", nat, "filter", filter));
    }

    private static Map<String, List<String>> chains(Object... pairs) {
        Map<String, List<String>> chains = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            @SuppressWarnings("unchecked")
            List<String> rules = (List<String>) pairs[i + 1];
            chains.put((String) pairs[i], rules);
        }
        return chains;
    }

    private static FilterState inSync() {
        return state(chains("POSTROUTING", List.of("-j OVSFABRIC-POSTROUTING", "-s 172.17.0.0/16 ! -o docker0 -j MASQUERADE"),
                        "OVSFABRIC-POSTROUTING", RULES.chains().get(0).rules()),
                chains("FORWARD", List.of("-j DOCKER-USER", "-j OVSFABRIC-FORWARD"), "DOCKER-USER", List.of("-j RETURN"),
                        "OVSFABRIC-FORWARD", RULES.chains().get(1).rules(),
                        "INPUT", List.of("-p gre -j OVSFABRIC-INPUT"), "OVSFABRIC-INPUT", RULES.chains().get(2).rules()));
    }

    @Test
    void natNeverTouchesIntraFabricTrafficAndMasqueradesTheRest() {
        assertEquals(List.of("-s 10.200.0.0/16 -d 10.200.0.0/16 -j ACCEPT",
                "-s 10.200.0.0/16 ! -d 10.200.0.0/16 ! -o docker0 -j MASQUERADE"), RULES.chains().get(0).rules());
        assertTrue(RULES.chains().stream().allMatch(c -> c.name().startsWith(Ownership.CHAIN_PREFIX)));
    }

    @Test
    void rulesInPlaceNeedNothingWhateverDockerAddsAround() {
        assertEquals(Optional.empty(), FilterDiff.change(RULES, inSync()));
    }

    @Test
    void anEmptyHostGetsChainsAndHooksInOneScript() {
        Change.SyncFilter sync = (Change.SyncFilter) FilterDiff.change(RULES,
                state(chains("POSTROUTING", List.of()), chains("FORWARD", List.of()))).orElseThrow();
        assertEquals("""
                *nat
                :OVSFABRIC-POSTROUTING - [0:0]
                -A OVSFABRIC-POSTROUTING -s 10.200.0.0/16 -d 10.200.0.0/16 -j ACCEPT
                -A OVSFABRIC-POSTROUTING -s 10.200.0.0/16 ! -d 10.200.0.0/16 ! -o docker0 -j MASQUERADE
                -I POSTROUTING 1 -j OVSFABRIC-POSTROUTING
                COMMIT
                *filter
                :OVSFABRIC-FORWARD - [0:0]
                -A OVSFABRIC-FORWARD -o br-+ -j RETURN
                -A OVSFABRIC-FORWARD -i docker0 -o docker0 -j ACCEPT
                -A OVSFABRIC-FORWARD -s 10.200.0.0/16 -i docker0 -j ACCEPT
                -A OVSFABRIC-FORWARD -d 10.200.0.0/16 -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
                :OVSFABRIC-INPUT - [0:0]
                -A OVSFABRIC-INPUT -j DROP
                -I FORWARD 1 -j OVSFABRIC-FORWARD
                -I INPUT 1 -p gre -j OVSFABRIC-INPUT
                COMMIT
                """, sync.script());
    }

    @Test
    void duplicateHooksAndStaleChainsAreCleanedUp() {
        FilterState messy = state(chains("POSTROUTING", List.of("-j OVSFABRIC-POSTROUTING", "-j OVSFABRIC-POSTROUTING"),
                        "OVSFABRIC-POSTROUTING", RULES.chains().get(0).rules()),
                chains("FORWARD", List.of("-j OVSFABRIC-FORWARD", "-j OVSFABRIC-OLD"), "OVSFABRIC-FORWARD",
                        RULES.chains().get(1).rules(), "OVSFABRIC-OLD", List.of("-j ACCEPT")));
        String script = ((Change.SyncFilter) FilterDiff.change(RULES, messy).orElseThrow()).script();
        assertTrue(script.contains("-D POSTROUTING -j OVSFABRIC-POSTROUTING\n-D POSTROUTING -j OVSFABRIC-POSTROUTING\n"
                + "-I POSTROUTING 1 -j OVSFABRIC-POSTROUTING\n"), script);
        assertTrue(script.contains("-D FORWARD -j OVSFABRIC-OLD\n-F OVSFABRIC-OLD\nCOMMIT\n*filter\n-X OVSFABRIC-OLD\nCOMMIT\n"), script);
    }

    /** dockerd started after the agent puts its FORWARD rules above ours: ours go back in front (DOCKER-USER may stay). */
    @Test
    void hooksBehindDockersRulesMoveBackInFront() {
        FilterState behind = state(chains("POSTROUTING", List.of("-j OVSFABRIC-POSTROUTING"),
                        "OVSFABRIC-POSTROUTING", RULES.chains().get(0).rules()),
                chains("FORWARD", List.of("-j DOCKER-USER", "-j DOCKER-ISOLATION-STAGE-1",
                        "-i docker0 ! -o docker0 -j ACCEPT", "-j OVSFABRIC-FORWARD"), "OVSFABRIC-FORWARD",
                        RULES.chains().get(1).rules()));
        Change.SyncFilter sync = (Change.SyncFilter) FilterDiff.change(RULES, behind).orElseThrow();
        assertTrue(sync.summary().contains("filter FORWARD jumps to OVSFABRIC-FORWARD after other rules"), sync.summary());
        assertTrue(sync.script().contains("-D FORWARD -j OVSFABRIC-FORWARD\n-I FORWARD 1 -j OVSFABRIC-FORWARD\n"),
                sync.script());
        assertTrue(!sync.script().contains("POSTROUTING -j"), sync.script());
    }

    @Test
    void teardownUnhooksFlushesThenDeletesOurChainsOnly() {
        assertEquals("""
                *nat
                -D POSTROUTING -j OVSFABRIC-POSTROUTING
                -F OVSFABRIC-POSTROUTING
                COMMIT
                *nat
                -X OVSFABRIC-POSTROUTING
                COMMIT
                *filter
                -D FORWARD -j OVSFABRIC-FORWARD
                -D INPUT -p gre -j OVSFABRIC-INPUT
                -F OVSFABRIC-FORWARD
                -F OVSFABRIC-INPUT
                COMMIT
                *filter
                -X OVSFABRIC-FORWARD
                -X OVSFABRIC-INPUT
                COMMIT
                """, FilterDiff.teardownScript(inSync()));
    }
}
