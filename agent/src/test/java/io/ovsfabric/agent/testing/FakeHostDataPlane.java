package io.ovsfabric.agent.testing;

import io.ovsfabric.agent.docker.plugin.DataPlanePass;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.linux.PortProbe;
import io.ovsfabric.agent.model.PublishedPort;
import io.ovsfabric.agent.plan.LocalEndpoint;
import io.ovsfabric.agent.plan.LocalEndpoints;
import io.ovsfabric.common.Ipv4Address;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The host's data plane as the plugin sees it, in memory: each pass makes the host's endpoint links and forwarded
 * ports what the plugin's state says (read from {@link #readFrom}); a pass can be told to fail (then nothing changes,
 * like a real pass that stops at its first failure before the endpoint's objects); host ports "held by host
 * processes" for the bind probe.
 */
public final class FakeHostDataPlane implements DataPlanePass, PortProbe {
    private Supplier<LocalEndpoints> source = () -> LocalEndpoints.NONE;
    private final Map<String, LocalEndpoint> links = new LinkedHashMap<>();
    private List<PublishedPort> forwarded = List.of();
    private final Map<String, String> held = new HashMap<>();
    private String failNext;
    private int writes;

    /** Where passes read what to build: the plugin's {@code localEndpoints()}. */
    public synchronized void readFrom(Supplier<LocalEndpoints> plugin) {
        source = plugin;
    }

    /** Host interface to endpoint: the veths (and br0 ports) the host has. */
    public synchronized Map<String, LocalEndpoint> links() {
        return Map.copyOf(links);
    }

    public synchronized List<PublishedPort> forwarded() {
        return forwarded;
    }

    /** How many passes changed the forwarded ports (a real pass writes iptables only then). */
    public synchronized int writes() {
        return writes;
    }

    /** The next pass fails ("injected failure"). */
    public synchronized void failNextPass() {
        failNext = "failure";
    }

    /** The next pass fails with "injected WHAT failure". */
    public synchronized void failNextPass(String what) {
        failNext = what + " failure";
    }

    /** A host process listens on the port (any address). */
    public synchronized void holdOnHost(PublishedPort.Protocol protocol, int port, String by) {
        held.put(protocol.label() + "/" + port, by);
    }

    /** What a lost rule set (a reboot, iptables -F) looks like. */
    public synchronized void forget() {
        forwarded = List.of();
    }

    /** A data plane pass (also the periodic one): the host follows the plugin's state. */
    public synchronized void pass() {
        LocalEndpoints wanted = source.get();
        links.clear();
        wanted.endpoints().forEach(e -> links.put(e.hostInterface(), e));
        if (!forwarded.equals(wanted.publishedPorts())) {
            writes++;
            forwarded = wanted.publishedPorts();
        }
    }

    @Override
    public synchronized void applyNow(String why) {
        if (failNext != null) {
            String what = failNext;
            failNext = null;
            throw AgentException.failed(why + ": fake data plane: injected " + what, null);
        }
        pass();
    }

    @Override
    public synchronized void requestSoon() {
        pass();
    }

    @Override
    public synchronized Optional<String> problem(PublishedPort.Protocol protocol, Ipv4Address hostIp, int port) {
        return Optional.ofNullable(held.get(protocol.label() + "/" + port)).map(by -> "in use on this host by " + by);
    }
}
