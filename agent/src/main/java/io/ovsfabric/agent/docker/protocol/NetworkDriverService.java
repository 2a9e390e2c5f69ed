package io.ovsfabric.agent.docker.protocol;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.docker.MacAddress;
import io.ovsfabric.agent.model.PublishedPort;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The libnetwork network driver calls, in domain terms (validated ids and typed addresses). The protocol layer
 * has already checked the shape of every request; implementations check state (unknown ids, call order) and
 * throw {@link io.ovsfabric.agent.docker.AgentException} without changing anything when they refuse.
 */
public interface NetworkDriverService {

    void createNetwork(CreateNetwork call);

    void deleteNetwork(String networkId);

    /** Returns the MAC the endpoint gets when Docker did not choose one. */
    CreatedEndpoint createEndpoint(CreateEndpoint call);

    void deleteEndpoint(String networkId, String endpointId);

    Map<String, String> endpointOperInfo(String networkId, String endpointId);

    JoinedEndpoint join(Join call);

    void leave(String networkId, String endpointId);

    /** Publishes the endpoint's ports ({@code docker run -p}) on this host; replaces what it published before. */
    void programExternalConnectivity(ExternalConnectivity call);

    void revokeExternalConnectivity(String networkId, String endpointId);

    /** CreateNetwork: the Docker network id, the one IPv4 pool our IPAM handed out, and the driver options. */
    record CreateNetwork(String networkId, String addressSpace, Cidr pool, Ipv4Address gateway,
            Map<String, String> driverOptions) {
        public CreateNetwork {
            Objects.requireNonNull(networkId);
            Objects.requireNonNull(pool);
            Objects.requireNonNull(gateway);
            driverOptions = Map.copyOf(driverOptions);
        }
    }

    /** CreateEndpoint: the address our IPAM handed out (with the pool's prefix length) and Docker's MAC, if any. */
    record CreateEndpoint(String networkId, String endpointId, Ipv4Address address, int prefixLength,
            Optional<MacAddress> mac) {}

    record CreatedEndpoint(Optional<MacAddress> assignedMac) {}

    record Join(String networkId, String endpointId, String sandboxKey) {}

    /**
     * ProgramExternalConnectivity: the endpoint's port bindings from {@code com.docker.network.portmap}. Docker sends
     * them as the user typed them: no container address, and host port 0 when it is for us to choose.
     */
    record ExternalConnectivity(String networkId, String endpointId, List<PortBinding> portBindings) {
        public ExternalConnectivity {
            portBindings = List.copyOf(portBindings);
        }
    }

    /**
     * One binding: container port, host address ({@link PublishedPort#ANY} for all) and host port range.
     * {@code hostPortFirst == 0} asks for any free port; a range asks for one free port in it.
     */
    record PortBinding(PublishedPort.Protocol protocol, Optional<Ipv4Address> containerIp, int containerPort,
            Ipv4Address hostIp, int hostPortFirst, int hostPortLast) {}

    /** Join's answer: the interface Docker moves into the sandbox (renamed to prefix + index) and the gateway. */
    record JoinedEndpoint(String interfaceName, String interfacePrefix, Ipv4Address gateway) {}
}
