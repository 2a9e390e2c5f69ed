package io.ovsfabric.agent.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.agent.plan.InterfaceAddress;
import io.ovsfabric.agent.plan.Route;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpHostNetworkTest {
    @Test
    void buildsArgvListsNotShellStrings() {
        RecordingCommandRunner runner = new RecordingCommandRunner();
        IpHostNetwork host = new IpHostNetwork(runner);
        host.createVethPair("ofx-d0", "ofx-br0", "ovsfabric-owner=agent");
        host.setLink("ofx-d0", 1458, true, "docker0", null);
        host.addAddress("docker0", InterfaceAddress.parse("10.200.1.1/16"));
        host.addRoute(new Route(Cidr.parse("0.0.0.0/0"), Ipv4Address.parse("192.0.2.1"), "br-phy"));
        host.setTxChecksum("ofx-d0", false);
        assertEquals(List.of(
                List.of("ip", "link", "add", "name", "ofx-d0", "type", "veth", "peer", "name", "ofx-br0"),
                List.of("ip", "link", "set", "dev", "ofx-d0", "alias", "ovsfabric-owner=agent"),
                List.of("ip", "link", "set", "dev", "ofx-br0", "alias", "ovsfabric-owner=agent"),
                List.of("ip", "link", "set", "dev", "ofx-d0", "mtu", "1458", "master", "docker0", "up"),
                List.of("ip", "addr", "replace", "10.200.1.1/16", "dev", "docker0"),
                List.of("ip", "route", "replace", "0.0.0.0/0", "via", "192.0.2.1", "dev", "br-phy"),
                List.of("ethtool", "-K", "ofx-d0", "tx", "off")), runner.commands);
    }

    @Test
    void deletingWhatIsAbsentSucceedsButOtherFailuresKeepTheirContext() {
        IpHostNetwork absent = new IpHostNetwork(new RecordingCommandRunner(
                c -> new CommandResult(c, 1, "", "Cannot find device \"ofx-d0\"")));
        absent.deleteLink("ofx-d0");

        IpHostNetwork broken = new IpHostNetwork(new RecordingCommandRunner(
                c -> new CommandResult(c, 2, "", "RTNETLINK answers: Operation not permitted")));
        CommandFailedException e = assertThrows(CommandFailedException.class, () -> broken.deleteLink("ofx-d0"));
        assertEquals(List.of("ip", "link", "del", "dev", "ofx-d0"), e.argv());
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains("Operation not permitted"), e.getMessage());
    }
}
