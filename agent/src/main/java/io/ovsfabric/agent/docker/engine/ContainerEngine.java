package io.ovsfabric.agent.docker.engine;

import io.ovsfabric.agent.AgentException;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The local Docker engine as the integration needs it: the networks of one driver, creating and removing them,
 * containers' attachments, and network events. Failures are {@link io.ovsfabric.agent.docker.AgentException}s
 * (UNAVAILABLE when dockerd cannot be reached).
 */
public interface ContainerEngine extends AutoCloseable {

    /** Networks using this driver, each with its attached containers. */
    List<EngineNetwork> listNetworks(String driver);

    /** Creates a network and returns its id. CONFLICT if the name is taken. */
    String createNetwork(EngineNetworkSpec spec);

    /** Removes a network. Removing what is absent succeeds; CONFLICT while containers are attached. */
    void removeNetwork(String networkId);

    /** A container's name and network attachments; empty if it does not exist (any more). */
    Optional<EngineContainer> inspectContainer(String containerId);

    /** Streams network events of this driver until the returned handle is closed or the stream fails. */
    AutoCloseable watchNetworkEvents(String driver, Consumer<EngineEvent> onEvent, Consumer<Throwable> onFailure);

    @Override
    void close();
}
