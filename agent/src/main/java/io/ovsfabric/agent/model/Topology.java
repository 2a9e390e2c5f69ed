package io.ovsfabric.agent.model;

import java.util.List;

/**
 * Everything the data plane needs to compute the desired host state: the fabric plan, this host, and its live
 * peers (this host excluded, sorted by id). {@code revision} is the controller's etcd revision it reflects.
 */
public record Topology(FabricSettings fabric, LocalHost self, List<PeerHost> peers, long revision) {
    public Topology {
        peers = peers.stream().sorted().toList();
    }
}
