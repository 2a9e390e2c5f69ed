package io.ovsfabric.agent.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UnderlayFactsTest {
    private static final Ipv4Address IP = Ipv4Address.parse("192.0.2.11");
    private static final InterfaceAddress ADDRESS = InterfaceAddress.parse("192.0.2.11/24");
    private static final Route DEFAULT = new Route(Cidr.parse("0.0.0.0/0"), Ipv4Address.parse("192.0.2.1"), "eth1");
    private static final DeviceNames NAMES = DeviceNames.defaults();

    private static LinkState link(String name, int mtu, InterfaceAddress... addresses) {
        return new LinkState(name, "", null, null, mtu, true, null, List.of(addresses));
    }

    private static ObservedHost host(List<LinkState> links, List<Route> routes, List<ObservedBridge> bridges) {
        return new ObservedHost(bridges, List.of(), links, routes, Map.of(), FilterState.empty());
    }

    @Test
    void findsTheInterfaceHoldingTheUnderlayIp() {
        UnderlayFacts facts = UnderlayFacts.resolve(IP, Optional.empty(), NAMES, DatapathMode.NETDEV,
                host(List.of(link("eth0", 1500), link("eth1", 9000, ADDRESS)), List.of(DEFAULT), List.of()));
        assertEquals(new UnderlayFacts("eth1", ADDRESS, 9000, List.of(DEFAULT.onDevice("br-phy"))), facts);
        assertEquals("0.0.0.0/0 via 192.0.2.1", facts.storedRoutes());
    }

    @Test
    void afterTheMoveTheUnderlayBridgeRemembersInterfaceAndRoutes() {
        ObservedBridge brPhy = new ObservedBridge("br-phy", "netdev", "standalone", java.util.Set.of(), Map.of(
                Ownership.OWNER_KEY, Ownership.OWNER_VALUE, Ownership.UNDERLAY_INTERFACE_KEY, "eth1",
                Ownership.UNDERLAY_ADDRESS_KEY, "192.0.2.11/24", Ownership.UNDERLAY_ROUTES_KEY, "0.0.0.0/0 via 192.0.2.1"),
                List.of());
        UnderlayFacts facts = UnderlayFacts.resolve(IP, Optional.empty(), NAMES, DatapathMode.NETDEV,
                host(List.of(link("eth1", 1500), link("br-phy", 1500, ADDRESS)), List.of(DEFAULT.onDevice("br-phy")),
                        List.of(brPhy)));
        assertEquals(new UnderlayFacts("eth1", ADDRESS, 1500, List.of(DEFAULT.onDevice("br-phy"))), facts);
    }

    @Test
    void systemModeOnlyNeedsTheInterfaceForItsMtu() {
        UnderlayFacts facts = UnderlayFacts.resolve(IP, Optional.of("eth1"), NAMES, DatapathMode.SYSTEM,
                host(List.of(link("eth1", 1400)), List.of(), List.of()));
        assertEquals(1400, facts.mtu());
        assertEquals(List.of(), facts.routes());
    }

    @Test
    void saysWhatIsWrong() {
        AgentException missing = assertThrows(AgentException.class, () -> UnderlayFacts.resolve(IP,
                Optional.empty(), NAMES, DatapathMode.NETDEV, host(List.of(link("eth1", 1500)), List.of(), List.of())));
        assertTrue(missing.getMessage().contains("192.0.2.11 is on no interface"), missing.getMessage());
        AgentException elsewhere = assertThrows(AgentException.class, () -> UnderlayFacts.resolve(IP,
                Optional.of("eth2"), NAMES, DatapathMode.NETDEV,
                host(List.of(link("eth1", 1500, ADDRESS), link("eth2", 1500)), List.of(), List.of())));
        assertTrue(elsewhere.getMessage().contains("is on eth1"), elsewhere.getMessage());
        AgentException absent = assertThrows(AgentException.class, () -> UnderlayFacts.resolve(IP,
                Optional.of("eth9"), NAMES, DatapathMode.SYSTEM, host(List.of(), List.of(), List.of())));
        assertTrue(absent.getMessage().contains("eth9 does not exist"), absent.getMessage());
    }
}
