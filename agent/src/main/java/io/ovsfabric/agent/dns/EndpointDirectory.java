package io.ovsfabric.agent.dns;

import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.model.OverlayNetwork;

import java.util.List;

/** Where the DNS server reads the fabric's networks and endpoints from (the controller's view). */
public interface EndpointDirectory {

    /** The latest known networks and endpoints; cheap to call (no I/O). */
    Snapshot snapshot();

    record Snapshot(List<OverlayNetwork> networks, List<NetworkEndpoint> endpoints) {
        public Snapshot {
            networks = List.copyOf(networks);
            endpoints = List.copyOf(endpoints);
        }

        public static Snapshot empty() {
            return new Snapshot(List.of(), List.of());
        }
    }
}
