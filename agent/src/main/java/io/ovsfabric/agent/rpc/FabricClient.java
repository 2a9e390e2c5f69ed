package io.ovsfabric.agent.rpc;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.model.FabricHost;
import io.ovsfabric.agent.model.FabricSettings;
import io.ovsfabric.agent.model.LocalHost;
import io.ovsfabric.agent.model.TopologyUpdate;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The controller as the host's membership sees it: registration, lease, topology stream, admin reads. Every method
 * fails with {@link AgentException}; none returns a success flag. The real one is
 * {@link ControllerClient#membership()}, on the agent's one controller channel (which {@link ControllerClient} closes).
 */
public interface FabricClient {

    record Registration(LocalHost self, FabricSettings fabric, Duration leaseTtl) {}

    /** Registers (or re-registers) the host; the same id from the same underlay IP always gets the same subnet. */
    default Registration register(HostId host, Ipv4Address underlayIp, int underlayMtu,
            Map<String, String> capabilities) {
        return register(host, underlayIp, underlayMtu, capabilities, Optional.empty());
    }

    /**
     * Registers a host that forwards {@code heldSubnet} now (from its saved state): a host whose record was reclaimed
     * gets it back if it is free, and is refused ({@link AgentException.Code#CONFLICT}, the message names the
     * new holder) if another host holds it.
     */
    Registration register(HostId host, Ipv4Address underlayIp, int underlayMtu, Map<String, String> capabilities,
            Optional<Cidr> heldSubnet);

    /**
     * Refreshes the host's lease (the controller knows which: lease ids never leave it);
     * {@link AgentException.Code#LEASE_LOST} means register again.
     */
    void keepAlive(HostId host);

    /**
     * Follows the topology from {@code resumeRevision} (0: start with a snapshot). Updates arrive in order on one
     * thread; {@code onEnd} gets the failure (or null when cancelled) when the stream ends. Closing the returned
     * handle cancels the stream.
     */
    AutoCloseable watch(HostId host, long resumeRevision, Consumer<TopologyUpdate> onUpdate, Consumer<Throwable> onEnd);

    /** The fabric plan (an admin read). */
    FabricSettings fabric();

    /** One host's record, or {@link AgentException.Code#NOT_FOUND}. */
    FabricHost host(HostId host);
}
