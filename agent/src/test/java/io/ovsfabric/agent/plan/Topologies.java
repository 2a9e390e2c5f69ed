package io.ovsfabric.agent.plan;

import io.ovsfabric.agent.model.FabricSettings;
import io.ovsfabric.agent.model.LocalHost;
import io.ovsfabric.agent.model.PeerHost;
import io.ovsfabric.agent.model.Topology;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.TunnelKey;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import java.util.ArrayList;
import java.util.List;

/** Test topologies in the lab's addressing: fabric 10.200.0.0/16, host n = 10.200.n.0/24 at 192.0.2.(10+n). */
public final class Topologies {
    public static final Cidr FABRIC = Cidr.parse("10.200.0.0/16");
    public static final long KEY = 0x64;

    private Topologies() {}

    public static FabricSettings fabric() {
        return new FabricSettings(FABRIC, 24, TunnelKey.of(KEY), 1500, 42, 2, "fab-test");
    }

    public static LocalHost host(int n) {
        Cidr subnet = FABRIC.subnet(24, n);
        return new LocalHost(HostId.of("h" + n), underlay(n), subnet, subnet.firstUsable(), 1458);
    }

    public static PeerHost peer(int n) {
        return new PeerHost(HostId.of("h" + n), underlay(n), FABRIC.subnet(24, n));
    }

    public static Ipv4Address underlay(int n) {
        return Ipv4Address.parse("192.0.2." + (10 + n));
    }

    /** Host {@code self} with peers 1..total except itself. */
    public static Topology of(int self, int total) {
        List<PeerHost> peers = new ArrayList<>();
        for (int n = 1; n <= total; n++) {
            if (n != self) {
                peers.add(peer(n));
            }
        }
        return new Topology(fabric(), host(self), peers, 1);
    }

    public static Topology withPeers(int self, int... peerIds) {
        List<PeerHost> peers = new ArrayList<>();
        for (int n : peerIds) {
            peers.add(peer(n));
        }
        return new Topology(fabric(), host(self), peers, 1);
    }
}
