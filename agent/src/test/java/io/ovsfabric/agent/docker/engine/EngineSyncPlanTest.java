package io.ovsfabric.agent.docker.engine;

import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.testing.FakeContainerEngine;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.TunnelKey;
import io.ovsfabric.common.Ipv4Address;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EngineSyncPlanTest {
    private static final OverlayNetwork APPNET = fabric("fn1", "appnet", "10.201.0.0/24");
    private static final OverlayNetwork WEB = fabric("fn2", "web", "10.202.0.0/24");

    private static OverlayNetwork fabric(String id, String name, String subnet) {
        Cidr cidr = Cidr.parse(subnet);
        return new OverlayNetwork(id, name, cidr, cidr.firstUsable(), TunnelKey.of(100), Map.of());
    }

    private static EngineNetwork engine(String id, String name, String subnet, String fabricLabel) {
        return FakeContainerEngine.network(id, name, subnet,
                fabricLabel == null ? Map.of() : Map.of(EngineSyncPlan.NETWORK_ID_KEY, fabricLabel));
    }

    @Test
    void everyFabricNetworkMissingHereIsCreated() {
        assertEquals(List.of(new EngineSyncPlan.CreateInEngine(APPNET), new EngineSyncPlan.CreateInEngine(WEB)),
                EngineSyncPlan.plan(List.of(APPNET, WEB), List.of(), Map.of()));
    }

    @Test
    void networksThatMatchNeedNothing() {
        List<EngineNetwork> engine = List.of(engine("e1", "appnet", "10.201.0.0/24", "fn1"),
                engine("e2", "web", "10.202.0.0/24", null));
        assertEquals(List.of(), EngineSyncPlan.plan(List.of(APPNET, WEB), engine, Map.of("e2", "")));
        assertEquals(List.of(), EngineSyncPlan.plan(List.of(APPNET, WEB), engine, Map.of("e2", "fn2")));
    }

    @Test
    void aNetworkMadeHereIsRegistered() {
        EngineNetwork local = engine("e3", "db", "10.203.0.0/24", null);
        assertEquals(List.of(new EngineSyncPlan.RegisterWithFabric(local)),
                EngineSyncPlan.plan(List.of(), List.of(local), Map.of("e3", "")));
    }

    @Test
    void networksWhoseFabricNetworkWasDeletedAreRemoved() {
        EngineNetwork labelled = engine("e1", "appnet", "10.201.0.0/24", "fn1");
        EngineNetwork registeredHere = engine("e3", "db", "10.203.0.0/24", null);
        assertEquals(List.of(new EngineSyncPlan.RemoveFromEngine(labelled, "fn1"),
                        new EngineSyncPlan.RemoveFromEngine(registeredHere, "fn7")),
                EngineSyncPlan.plan(List.of(), List.of(labelled, registeredHere), Map.of("e3", "fn7")));
    }

    @Test
    void clashesAreReportedAndNothingIsTouched() {
        List<EngineSyncPlan.Action> sameSubnetOtherName = EngineSyncPlan.plan(List.of(APPNET),
                List.of(engine("e1", "other", "10.201.0.0/24", null)), Map.of("e1", ""));
        assertEquals(1, sameSubnetOtherName.size());
        assertTrue(((EngineSyncPlan.Conflict) sameSubnetOtherName.get(0)).message().contains("under another name"));

        List<EngineSyncPlan.Action> nameTaken = EngineSyncPlan.plan(List.of(APPNET),
                List.of(engine("e1", "appnet", "10.209.0.0/24", null)), Map.of("e1", ""));
        assertInstanceOf(EngineSyncPlan.RegisterWithFabric.class, nameTaken.get(0));
        assertTrue(((EngineSyncPlan.Conflict) nameTaken.get(1)).message().contains("exists with another subnet"));

        EngineNetwork defaultIpam = new EngineNetwork("e4", "x", "ovsfabric", "default",
                Optional.of(Cidr.parse("172.30.0.0/16")), Optional.of(Ipv4Address.parse("172.30.0.1")), Map.of(), Map.of(), Map.of());
        assertTrue(((EngineSyncPlan.Conflict) EngineSyncPlan.plan(List.of(), List.of(defaultIpam), Map.of()).get(0))
                .message().contains("--ipam-driver ovsfabric"));
        assertTrue(((EngineSyncPlan.Conflict) EngineSyncPlan.plan(List.of(), List.of(engine("e5", "y", "10.9.0.0/24", null)),
                Map.of()).get(0)).message().contains("unknown to this agent"));
    }
}
