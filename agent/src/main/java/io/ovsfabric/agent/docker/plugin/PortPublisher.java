package io.ovsfabric.agent.docker.plugin;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.docker.plugin.PluginState.Endpoint;
import io.ovsfabric.agent.docker.protocol.NetworkDriverService.PortBinding;
import io.ovsfabric.agent.model.PublishedPort;
import io.ovsfabric.common.Ipv4Address;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Published ports ({@code docker run -p}) of this host's endpoints. libnetwork leaves host ports to a remote driver
 * (Docker's own port allocator serves its bridge driver only): HostPort 0 asks us for any free port, a range for one
 * free port in it. A host port is free when no other endpoint here publishes it and nothing on the host holds it.
 * The state says what is published; the data plane's DNAT rules follow it (one pass, waited for). Callers hold the
 * core lock.
 */
final class PortPublisher {
    private static final Logger log = LoggerFactory.getLogger(PortPublisher.class);
    private static final String CALL = "NetworkDriver.ProgramExternalConnectivity";
    /** Where a port is chosen when Docker sends HostPort 0 (-p 80, -P): Docker's own default range. */
    static final int EPHEMERAL_FIRST = 49153;
    static final int EPHEMERAL_LAST = 65535;

    /** What the host says about a port ({@link io.ovsfabric.agent.linux.PortProbe}). */
    interface Probe {
        Optional<String> problem(PublishedPort.Protocol protocol, Ipv4Address hostIp, int port);
    }

    private final PluginCore core;

    PortPublisher(PluginCore core) {
        this.core = core;
    }

    /** Publishes the bindings for the endpoint, replacing what it published before; refuses and changes nothing. */
    void publish(Endpoint endpoint, List<PortBinding> bindings) {
        PluginState before = core.state.current();
        if (bindings.isEmpty() && endpoint.published().isEmpty()) {
            return;   // the usual container without -p: no iptables call
        }
        List<PublishedPort> others = before.publishedPorts().stream()
                .filter(p -> !p.endpointId().equals(endpoint.endpointId())).toList();
        List<PublishedPort> chosen = choose(endpoint, bindings, others, describer(before), core.ports::problem);
        core.applyOrUndo(CALL + " of endpoint " + PluginCore.shortId(endpoint.endpointId()),
                s -> s.withEndpoint(endpoint.withPublished(chosen)));   // all-or-nothing
        if (!chosen.equals(endpoint.published())) {
            endpoint.published().stream().filter(p -> !chosen.contains(p)).forEach(p -> log.info(
                    "endpoint {} no longer publishes {}", PluginCore.shortId(endpoint.endpointId()), p));
            chosen.stream().filter(p -> !endpoint.published().contains(p)).forEach(p -> log.info(
                    "endpoint {} publishes {}", PluginCore.shortId(endpoint.endpointId()), p));
        }
    }

    /** Stops publishing the endpoint's ports (Revoke); the rules follow the state at once or at the next pass. */
    void unpublish(Endpoint endpoint) {
        if (endpoint.published().isEmpty()) {
            return;
        }
        core.state.update(s -> s.withEndpoint(endpoint.withPublished(List.of())));
        try {
            core.dataPlane.applyNow("NetworkDriver.RevokeExternalConnectivity of endpoint "
                    + PluginCore.shortId(endpoint.endpointId()));
            afterRemoval(endpoint);
        } catch (AgentException e) {
            log.warn("endpoint {}: its published ports {} stay forwarded until the next data plane pass: {}",
                    PluginCore.shortId(endpoint.endpointId()), endpoint.published(), e.getMessage());
        }
    }

    /** After a pass without the endpoint's ports (or the endpoint): says so. */
    static void afterRemoval(Endpoint endpoint) {
        endpoint.published().forEach(p -> log.info("endpoint {} no longer publishes {}",
                PluginCore.shortId(endpoint.endpointId()), p));
    }

    /**
     * Host ports for each binding, in order. A port the endpoint publishes already for the same container port is
     * kept when it still fits (a repeated call changes nothing); otherwise the lowest free port of the range.
     */
    static List<PublishedPort> choose(Endpoint endpoint, List<PortBinding> bindings, List<PublishedPort> others,
            Map<String, String> owners, Probe probe) {
        List<PublishedPort> taken = new ArrayList<>(others);
        List<PublishedPort> chosen = new ArrayList<>();
        for (PortBinding b : bindings) {
            String what = b.protocol().label() + "/" + b.containerPort();
            if (b.containerIp().isPresent() && !b.containerIp().get().equals(endpoint.address())) {
                throw AgentException.invalid(CALL + ": binding " + what + " names container address "
                        + b.containerIp().get() + " but endpoint " + PluginCore.shortId(endpoint.endpointId())
                        + " has " + endpoint.address());
            }
            boolean any = b.hostPortFirst() == 0;
            int first = any ? EPHEMERAL_FIRST : b.hostPortFirst();
            int last = any ? EPHEMERAL_LAST : b.hostPortLast();
            OptionalInt kept = endpoint.published().stream().filter(p -> p.protocol() == b.protocol()
                    && p.hostIp().equals(b.hostIp()) && p.containerPort() == b.containerPort()
                    && p.hostPort() >= first && p.hostPort() <= last).mapToInt(PublishedPort::hostPort).findFirst();
            String lastProblem = "";
            Integer picked = null;
            if (kept.isPresent()) {
                lastProblem = problem(b, kept.getAsInt(), taken, endpoint, owners, probe);
                picked = lastProblem.isEmpty() ? kept.getAsInt() : null;
            }
            for (int port = first; picked == null && port <= last; port++) {
                String problem = problem(b, port, taken, endpoint, owners, probe);
                if (problem.isEmpty()) {
                    picked = port;
                } else {
                    lastProblem = problem;
                }
            }
            if (picked == null) {
                String hostIp = b.hostIp() + ":";
                if (first == last) {
                    throw AgentException.conflict(CALL + ": cannot publish " + what + " on host port " + b.protocol()
                            .label() + " " + hostIp + first + ": " + lastProblem + "; publish another host port (e.g. -p "
                            + (first == 65535 ? first - 1 : first + 1) + ":" + b.containerPort() + ")");
                }
                throw AgentException.conflict(CALL + ": no free host port for " + what + " in " + hostIp + first + "-"
                        + last + " on this host (last one: " + lastProblem + "); widen the range or free a port");
            }
            PublishedPort port = new PublishedPort(b.protocol(), b.hostIp(), picked, endpoint.address(),
                    b.containerPort(), endpoint.endpointId());
            taken.add(port);
            chosen.add(port);
        }
        return List.copyOf(chosen);
    }

    private static String problem(PortBinding b, int port, List<PublishedPort> taken, Endpoint self,
            Map<String, String> owners, Probe probe) {
        for (PublishedPort p : taken) {
            if (p.clashes(b.protocol(), b.hostIp(), port)) {
                return p.endpointId().equals(self.endpointId()) ? "this container asks for it twice"
                        : "it is published already for " + owners.getOrDefault(p.endpointId(), "endpoint "
                        + PluginCore.shortId(p.endpointId())) + " (" + p.containerIp() + ":" + p.containerPort() + ")";
            }
        }
        return probe.problem(b.protocol(), b.hostIp(), port).orElse("");
    }

    /** Endpoint id to "container NAME (endpoint ID)" for messages. */
    private static Map<String, String> describer(PluginState state) {
        Map<String, String> names = new HashMap<>();
        state.endpoints().values().forEach(e -> names.put(e.endpointId(), (e.containerName().isEmpty() ? ""
                : "container " + e.containerName() + " ") + "(endpoint " + PluginCore.shortId(e.endpointId()) + ")"));
        return names;
    }
}
