package io.ovsfabric.agent.model;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;

/**
 * One host record of the fabric as the controller streams it. Peers keep a tunnel to a host that is UP and to one
 * that is DOWN because its lease expired (it may only be cut off from the controllers, and its containers still
 * talk to theirs): liveness never tears down forwarding. A host that LEFT gracefully, a RESERVED one (no agent
 * yet) and a host whose record is gone (subnet released) get no tunnel.
 */
public record FabricHost(HostId id, Ipv4Address underlayIp, Cidr subnet, State state) {

    public enum State {
        UP, DOWN, LEFT, RESERVED
    }

    /** UP, or DOWN after a lease expiry (the old two-state form: saved states, tests). */
    public FabricHost(HostId id, Ipv4Address underlayIp, Cidr subnet, boolean up) {
        this(id, underlayIp, subnet, up ? State.UP : State.DOWN);
    }

    public boolean up() {
        return state == State.UP;
    }

    /** Whether peers forward to this host: UP, or DOWN without having left. */
    public boolean tunnelled() {
        return state == State.UP || state == State.DOWN;
    }
}
