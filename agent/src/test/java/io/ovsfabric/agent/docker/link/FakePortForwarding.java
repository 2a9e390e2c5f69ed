package io.ovsfabric.agent.docker.link;

import io.ovsfabric.agent.docker.PluginException;
import io.ovsfabric.agent.model.PublishedPort;
import io.ovsfabric.common.Ipv4Address;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** In-memory forwarding: what sync was last told, host ports "held by host processes", injectable failures. */
public final class FakePortForwarding implements PortForwarding {
    private List<PublishedPort> forwarded = List.of();
    private final Map<String, String> held = new HashMap<>();
    private boolean failNextSync;
    private int writes;

    public synchronized List<PublishedPort> forwarded() {
        return forwarded;
    }

    /** How many syncs changed something (a real one writes iptables only then). */
    public synchronized int writes() {
        return writes;
    }

    /** A host process listens on the port (any address). */
    public synchronized void holdOnHost(PublishedPort.Protocol protocol, int port, String by) {
        held.put(protocol.label() + "/" + port, by);
    }

    public synchronized void failNextSync() {
        failNextSync = true;
    }

    /** What a lost rule set (a reboot, iptables -F) looks like. */
    public synchronized void forget() {
        forwarded = List.of();
    }

    @Override
    public synchronized void sync(List<PublishedPort> ports) {
        if (failNextSync) {
            failNextSync = false;
            throw PluginException.failed("fake forwarding: injected iptables-restore failure", null);
        }
        if (!forwarded.equals(ports)) {
            writes++;
            forwarded = List.copyOf(ports);
        }
    }

    @Override
    public synchronized Optional<String> hostPortProblem(PublishedPort.Protocol protocol, Ipv4Address hostIp, int port) {
        return Optional.ofNullable(held.get(protocol.label() + "/" + port)).map(by -> "in use on this host by " + by);
    }
}
