package io.ovsfabric.agent.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.TunnelKey;
import io.ovsfabric.common.Ipv4Address;
import java.util.List;
import org.junit.jupiter.api.Test;

class DockerOptionsTest {

    private static final FabricSettings FABRIC =
            new FabricSettings(Cidr.parse("10.200.0.0/16"), 24, TunnelKey.of(1), 1500, 42, 2, "f");

    @Test
    void slash24WithHeadOfTwoGetsTheUpperHalf() {
        assertEquals(Cidr.parse("10.200.3.128/25"), DockerOptions.largestBlockAfterHead(Cidr.parse("10.200.3.0/24"), 2));
    }

    @Test
    void blockSizeFollowsSubnetAndHead() {
        assertEquals(Cidr.parse("10.0.0.32/27"), DockerOptions.largestBlockAfterHead(Cidr.parse("10.0.0.0/26"), 2));
        assertEquals(Cidr.parse("10.0.8.0/21"), DockerOptions.largestBlockAfterHead(Cidr.parse("10.0.0.0/20"), 2));
        assertEquals(Cidr.parse("10.0.0.128/25"), DockerOptions.largestBlockAfterHead(Cidr.parse("10.0.0.0/24"), 100));
        assertEquals(Cidr.parse("10.0.0.0/24"), DockerOptions.largestBlockAfterHead(Cidr.parse("10.0.0.0/24"), 0));
        assertEquals(Cidr.parse("10.0.0.3/32"), DockerOptions.largestBlockAfterHead(Cidr.parse("10.0.0.0/30"), 3));
    }

    @Test
    void noRoomLeftIsAClearError() {
        AgentException e = assertThrows(AgentException.class,
                () -> DockerOptions.largestBlockAfterHead(Cidr.parse("10.0.0.0/30"), 4));
        assertEquals(true, e.getMessage().contains("shorter host prefix"), e.getMessage());
    }

    @Test
    void flagsJsonAndEnvCarryTheFabricPrefixAndTheTunnelMtu() {
        DockerOptions opts = DockerOptions.of(FABRIC, Cidr.parse("10.200.3.0/24"), Ipv4Address.parse("10.200.3.1"));
        assertEquals(List.of("--bip", "10.200.3.1/16", "--fixed-cidr", "10.200.3.128/25", "--mtu", "1458",
                "--dns", "10.200.3.1"), opts.flags());
        assertEquals("{bip=10.200.3.1/16, fixed-cidr=10.200.3.128/25, mtu=1458, dns=[10.200.3.1]}",
                opts.daemonJson().toString());
        assertEquals("DOCKER_OPTS=\"--bip 10.200.3.1/16 --fixed-cidr 10.200.3.128/25 --mtu 1458 --dns 10.200.3.1\"",
                opts.envLines().get(4));
    }

    @Test
    void iccOffIsPassedOnToDockerd() {
        DockerOptions opts = DockerOptions.of(FABRIC, Cidr.parse("10.200.3.0/24"), Ipv4Address.parse("10.200.3.1"))
                .withIcc(false);
        assertEquals("--icc=false", opts.flags().get(opts.flags().size() - 1));
        assertEquals(false, opts.daemonJson().get("icc"));
        assertEquals(true, opts.envLines().get(4).contains("--icc=false"), opts.envLines().toString());
        assertEquals("OVSFABRIC_ICC=false", opts.envLines().get(5));
    }
}
