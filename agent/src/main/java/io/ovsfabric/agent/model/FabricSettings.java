package io.ovsfabric.agent.model;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.TunnelKey;

/**
 * The fabric-wide plan as the agent sees it (from the controller's RegisterResponse / snapshot).
 *
 * @param tunnelKey      GRE key of the default (docker0) network
 * @param underlayMtu    MTU every host's underlay carries
 * @param tunnelOverhead bytes the encapsulation adds (42 for GRE with a key)
 * @param reservedHead   addresses at the start of each host subnet kept out of Docker's hands
 */
public record FabricSettings(Cidr fabricCidr, int hostPrefix, TunnelKey tunnelKey, int underlayMtu, int tunnelOverhead,
        int reservedHead, String fabricId) {

    /** MTU for docker0, the docker0-br0 link and containers: what fits inside one tunnelled underlay frame. */
    public int overlayMtu() {
        return underlayMtu - tunnelOverhead;
    }
}
