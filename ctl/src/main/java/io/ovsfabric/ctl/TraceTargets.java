package io.ovsfabric.ctl;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.proto.v1.Endpoint;
import io.ovsfabric.proto.v1.Host;
import io.ovsfabric.proto.v1.Network;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Resolves {@code --from}/{@code --to} (a container name or an address) to where it lives: the host, and the network
 * (a user-defined network's endpoint, from the controller; or docker0, by the host whose subnet holds the address).
 * Pure, over what the controller listed; names of docker0 containers come from the agents ({@code lookup}).
 */
final class TraceTargets {
    /** A resolved end of the trace. {@code network} is null for docker0. */
    record Target(String given, Ipv4Address address, Host host, Network network, String container) {
        boolean onDocker0() {
            return network == null;
        }

        String networkName() {
            return network == null ? "docker0" : network.getName();
        }

        /** {@code h1-c1 (10.200.1.128, docker0 on h1)}. */
        String describe() {
            String name = container.isEmpty() ? "" : container + " ";
            return name + "(" + address + ", " + networkName() + " on " + host.getHostId() + ")";
        }
    }

    /** What one host's agent found for a name: the address and the Docker network ("bridge" = docker0). */
    record Lookup(Host host, String container, String dockerNetwork, Ipv4Address address) {}

    private final List<Host> hosts;
    private final List<Endpoint> endpoints;
    private final List<Network> networks;

    TraceTargets(List<Host> hosts, List<Endpoint> endpoints, List<Network> networks) {
        this.hosts = hosts;
        this.endpoints = endpoints;
        this.networks = networks;
    }

    /**
     * @param lookup asks the agents for a container name (only called for a name the controller does not know)
     */
    Target resolve(String flag, String given, Function<String, List<Lookup>> lookup) {
        if (given == null || given.isBlank()) {
            throw new InvalidInputException(flag + " needs a container name or an IPv4 address");
        }
        if (Ipv4Address.isValid(given)) {
            return byAddress(flag, given, Ipv4Address.parse(given), "");
        }
        List<Endpoint> named = endpoints.stream().filter(e -> e.getContainerName().equals(given)
                || (!e.getContainerId().isEmpty() && given.length() >= 6 && e.getContainerId().startsWith(given))).toList();
        if (named.size() > 1) {
            throw new InvalidInputException(flag + " " + given + " is ambiguous: it has " + named.size()
                    + " endpoints (" + String.join(", ", named.stream().map(Endpoint::getAddress).toList())
                    + "); give the address instead");
        }
        if (named.size() == 1) {
            Endpoint e = named.get(0);
            return byAddress(flag, given, Ipv4Address.parse(e.getAddress()), e.getContainerName());
        }
        List<Lookup> found = lookup.apply(given).stream().filter(l -> !l.dockerNetwork().isEmpty()).toList();
        List<Lookup> onBridge = found.stream().filter(l -> "bridge".equals(l.dockerNetwork())).toList();
        if (onBridge.size() == 1) {
            Lookup l = onBridge.get(0);
            return byAddress(flag, given, l.address(), l.container());
        }
        if (onBridge.size() > 1) {
            throw new InvalidInputException(flag + " " + given + " is ambiguous: containers of that name run on hosts "
                    + String.join(", ", onBridge.stream().map(l -> l.host().getHostId()).toList())
                    + "; give the address instead");
        }
        List<Lookup> onFabric = found.stream().filter(l -> networks.stream()
                .anyMatch(n -> n.getName().equals(l.dockerNetwork()))).toList();
        if (onFabric.size() == 1) {
            // a user-network endpoint whose container name the controller has not heard of yet
            Lookup l = onFabric.get(0);
            return byAddress(flag, given, l.address(), l.container());
        }
        if (!found.isEmpty()) {
            Lookup l = found.get(0);
            throw new InvalidInputException(flag + " " + given + " runs on host " + l.host().getHostId()
                    + " but on Docker network '" + l.dockerNetwork() + "' only, which is no ovsfabric network");
        }
        throw new InvalidInputException(flag + ": no container named '" + given + "': no endpoint of a fabric network"
                + " has that name ('ovsfabricctl endpoints' lists them) and no host's Docker engine knows it on"
                + " docker0; check the name ('docker ps' on its host), or give its IP address");
    }

    private Target byAddress(String flag, String given, Ipv4Address address, String container) {
        Optional<Endpoint> endpoint = endpoints.stream().filter(e -> e.getAddress().equals(address.toString()))
                .findFirst();
        if (endpoint.isPresent()) {
            Endpoint e = endpoint.get();
            Host host = host(e.getHostId()).orElseThrow(() -> new InvalidInputException(flag + " " + given
                    + ": its endpoint is on host " + e.getHostId() + ", which the controller does not list"));
            Network network = networks.stream().filter(n -> n.getId().equals(e.getNetworkId())).findFirst()
                    .orElseThrow(() -> new InvalidInputException(flag + " " + given + ": its network "
                            + e.getNetworkId() + " is not listed (deleted meanwhile?)"));
            return new Target(given, address, host, network, container.isEmpty() ? e.getContainerName() : container);
        }
        for (Host host : hosts) {
            if (!host.getSubnet().isEmpty() && Cidr.parse(host.getSubnet()).contains(address)) {
                return new Target(given, address, host, null, container);
            }
        }
        throw new InvalidInputException(flag + " " + given + ": " + address + " is no container address of the fabric:"
                + " no endpoint of a fabric network has it and it is in no host's docker0 subnet ('ovsfabricctl"
                + " hosts' lists the subnets)");
    }

    Optional<Host> host(String id) {
        return hosts.stream().filter(h -> h.getHostId().equals(id)).findFirst();
    }

    Optional<Host> hostByUnderlay(String underlayIp) {
        return hosts.stream().filter(h -> h.getUnderlayIp().equals(underlayIp)).findFirst();
    }
}
