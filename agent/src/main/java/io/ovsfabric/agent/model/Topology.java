package io.ovsfabric.agent.model;

import java.util.List;

/**
 * Everything the data plane needs to compute the desired host state: the fabric plan, this host, and its live
 * peers (this host excluded, sorted by id), the user-defined networks (sorted by id) and every endpoint in them
 * (this host's included, sorted by network and endpoint id). {@code revision} is the controller's etcd revision
 * it reflects.
 */
public record Topology(FabricSettings fabric, LocalHost self, List<PeerHost> peers, List<OverlayNetwork> networks,
        List<NetworkEndpoint> endpoints, long revision) {

    public Topology {
        peers = peers.stream().sorted().toList();
        networks = networks.stream().sorted().toList();
        endpoints = endpoints.stream().sorted().toList();
    }

    /** This host cut off from the fabric's forwarding: no peer, so no tunnel and no flow towards one. */
    public Topology withoutPeers() {
        return new Topology(fabric, self, List.of(), networks, endpoints, revision);
    }

    /** The default network only (no user-defined networks). */
    public Topology(FabricSettings fabric, LocalHost self, List<PeerHost> peers, long revision) {
        this(fabric, self, peers, List.of(), List.of(), revision);
    }
}
