package io.ovsfabric.controller.rpc;

import io.ovsfabric.common.HostId;
import io.ovsfabric.common.pki.Identity;
import io.ovsfabric.common.pki.PeerIdentityInterceptor;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.FabricException.Code;
import java.util.Optional;

/**
 * Who may call what, decided per call from the caller's certificate identity ({@link PeerIdentityInterceptor}):
 * <ul>
 *   <li>a host identity acts only on its own host: Register, KeepAlive, Deregister, ReportEndpoints,
 *       ReportTunnels, and Allocate/Release/Update of its own endpoints;</li>
 *   <li>WatchTopology and the admin reads (GetFabric, ListHosts, ListSubnets, ListNetworks, ListEndpoints,
 *       ListTunnels) need a host, admin or controller identity;</li>
 *   <li>CreateNetwork and DeleteNetwork without force need a host (Docker's {@code network create/rm} on any host)
 *       or an admin identity;</li>
 *   <li>every other admin RPC (ReserveHost, ReleaseHost, forced DeleteNetwork, CheckIpam, CreateJoinToken) needs an
 *       admin identity.</li>
 * </ul>
 * A refusal is a {@link Code#DENIED} failure (PERMISSION_DENIED) whose message names the caller and its address;
 * {@link GrpcErrors} logs it at WARN. With {@code --insecure} there is no identity and nothing is checked.
 */
public final class Authorization {
    private final boolean enforced;

    private Authorization(boolean enforced) {
        this.enforced = enforced;
    }

    /** Checks every call: the server runs behind {@link PeerIdentityInterceptor}. */
    public static Authorization enforcing() {
        return new Authorization(true);
    }

    /** {@code --insecure}: no identities, everything allowed. */
    public static Authorization insecure() {
        return new Authorization(false);
    }

    public boolean enforced() {
        return enforced;
    }

    /**
     * The host a host-scoped call acts on: the caller's own, which {@code requested} (the request's host id) must
     * name if it names one. Empty without enforcement (the request's id is taken as it is).
     */
    public Optional<HostId> requireOwnHost(String call, String requested) {
        if (!enforced) {
            return Optional.empty();
        }
        Identity caller = caller(call);
        if (!(caller instanceof Identity.Host host)) {
            throw denied(call, caller, "only a host identity may call it");
        }
        if (requested != null && !requested.isEmpty() && !requested.equals(host.hostId().value())) {
            throw denied(call, caller, "a host may act only on its own host (" + host.hostId() + "), not on host '"
                    + requested + "'");
        }
        return Optional.of(host.hostId());
    }

    /** A host's endpoint call may touch only that host's endpoints. */
    public void requireOwner(String call, Optional<HostId> acting, HostId owner) {
        if (acting.isPresent() && !acting.get().equals(owner)) {
            throw denied(call, caller(call), "the endpoint belongs to host " + owner + ", not to " + acting.get());
        }
    }

    /** Reads: any fabric identity (host, admin, controller). */
    public void requireMember(String call) {
        if (enforced) {
            caller(call);
        }
    }

    /** CreateNetwork, DeleteNetwork without force: a host or an admin. */
    public void requireHostOrAdmin(String call) {
        if (!enforced) {
            return;
        }
        Identity caller = caller(call);
        if (!(caller instanceof Identity.Host) && !(caller instanceof Identity.Admin)) {
            throw denied(call, caller, "only a host or an admin identity may call it");
        }
    }

    /** Admin RPCs. */
    public void requireAdmin(String call) {
        if (!enforced) {
            return;
        }
        Identity caller = caller(call);
        if (!(caller instanceof Identity.Admin)) {
            throw denied(call, caller, "it needs an admin identity (ovsfabricctl pki issue-admin)");
        }
    }

    /** The caller's identity (for logs), "insecure" without enforcement. */
    public String describeCaller() {
        return PeerIdentityInterceptor.find().map(Identity::uri).orElse(enforced ? "anonymous" : "insecure")
                + " at " + PeerIdentityInterceptor.remoteAddress();
    }

    private Identity caller(String call) {
        return PeerIdentityInterceptor.find().orElseThrow(() -> new FabricException(Code.DENIED, call
                + " refused for an anonymous caller at " + PeerIdentityInterceptor.remoteAddress()
                + ": it needs a fabric client certificate"));
    }

    private static FabricException denied(String call, Identity caller, String why) {
        return new FabricException(Code.DENIED, call + " refused for " + caller.uri() + " at "
                + PeerIdentityInterceptor.remoteAddress() + ": " + why);
    }
}
