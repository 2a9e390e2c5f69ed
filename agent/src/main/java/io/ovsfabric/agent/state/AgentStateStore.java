package io.ovsfabric.agent.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ovsfabric.agent.model.FabricHost;
import io.ovsfabric.agent.model.FabricSettings;
import io.ovsfabric.agent.model.FabricView;
import io.ovsfabric.agent.model.LocalHost;
import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.TunnelKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Keeps {@link AgentState} in {@code <state-dir>/agent-state.json}. Writes go to a temporary file that is synced and
 * then renamed over the old one, so a crash leaves either the old or the new state, never half of one.
 */
public final class AgentStateStore {
    static final String FILE = "agent-state.json";

    // The file format: plain strings, so it stays readable and stable when model types change. GRE keys are numbers
    // (unsigned decimal); see tunnelKey(long) for the negative ones older agents wrote.
    /** @param state UP, DOWN, LEFT or RESERVED; null in files of agents before it (then {@code up} says it) */
    record HostJson(String id, String underlayIp, String subnet, boolean up, String state) {}

    record SelfJson(String id, String underlayIp, String subnet, String gateway, int mtu) {}

    record FabricJson(String fabricCidr, int hostPrefix, long tunnelKey, int underlayMtu, int tunnelOverhead,
            int reservedHead, String fabricId) {}

    /** {@code labels} null in files written before networks carried them. */
    record NetworkJson(String id, String name, String subnet, String gateway, long tunnelKey, Map<String, String> labels) {}

    record EndpointJson(String networkId, String endpointId, String host, String address, String mac, String containerId,
            String containerName, List<String> aliases) {}

    /** Version 2 adds networks and endpoints (null in a version 1 file). */
    record StateJson(int version, SelfJson self, FabricJson fabric, List<HostJson> hosts, long revision,
            List<NetworkJson> networks, List<EndpointJson> endpoints) {}

    static final int VERSION = 2;

    private final Path dir;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public AgentStateStore(Path dir) {
        this.dir = dir;
    }

    public Path file() {
        return dir.resolve(FILE);
    }

    public Optional<AgentState> load() {
        Path file = file();
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            StateJson s = json.readValue(file.toFile(), StateJson.class);
            LocalHost self = new LocalHost(HostId.of(s.self().id()), Ipv4Address.parse(s.self().underlayIp()),
                    Cidr.parse(s.self().subnet()), Ipv4Address.parse(s.self().gateway()), s.self().mtu());
            FabricJson f = s.fabric();
            FabricSettings fabric = new FabricSettings(Cidr.parse(f.fabricCidr()), f.hostPrefix(), tunnelKey(f.tunnelKey()),
                    f.underlayMtu(), f.tunnelOverhead(), f.reservedHead(), f.fabricId());
            Map<HostId, FabricHost> hosts = new TreeMap<>();
            for (HostJson h : s.hosts()) {
                hosts.put(HostId.of(h.id()), new FabricHost(HostId.of(h.id()), Ipv4Address.parse(h.underlayIp()),
                        Cidr.parse(h.subnet()), h.state() == null ? (h.up() ? FabricHost.State.UP
                        : FabricHost.State.DOWN) : FabricHost.State.valueOf(h.state())));
            }
            Map<String, OverlayNetwork> networks = new TreeMap<>();
            Map<NetworkEndpoint.Key, NetworkEndpoint> endpoints = new TreeMap<>();
            if (s.networks() == null || s.endpoints() == null) {
                // A version 1 file knows no networks: resuming after its revision would never bring them back, so the
                // agent asks the controller for a full snapshot (revision 0) instead.
                return Optional.of(new AgentState(self, new FabricView(fabric, hosts, 0)));
            }
            for (NetworkJson n : s.networks()) {
                networks.put(n.id(), new OverlayNetwork(n.id(), n.name(), Cidr.parse(n.subnet()), Ipv4Address.parse(n.gateway()),
                        tunnelKey(n.tunnelKey()), n.labels()));
            }
            for (EndpointJson e : s.endpoints()) {
                NetworkEndpoint endpoint = new NetworkEndpoint(e.networkId(), e.endpointId(), HostId.of(e.host()),
                        Ipv4Address.parse(e.address()), e.mac(), e.containerId(), e.containerName(), e.aliases());
                endpoints.put(endpoint.key(), endpoint);
            }
            return Optional.of(new AgentState(self, new FabricView(fabric, hosts, networks, endpoints, s.revision())));
        } catch (IOException | RuntimeException e) {
            throw new UncheckedIOException(new IOException("cannot read agent state " + file + " (" + e.getMessage()
                    + "); move it away to start from the controller's topology alone", e));
        }
    }

    /**
     * A key as the file holds it. Agents before the unsigned TunnelKey read the default network's key signed, and
     * saved a key of 2^31 or more as a negative number: those are the same 32 bits, read back unsigned.
     */
    static TunnelKey tunnelKey(long stored) {
        if (stored < 0 && stored >= Integer.MIN_VALUE) {
            return TunnelKey.fromWire((int) stored);
        }
        return TunnelKey.of(stored);
    }

    public void save(AgentState state) {
        LocalHost self = state.self();
        FabricSettings f = state.view().fabric();
        StateJson s = new StateJson(VERSION,
                new SelfJson(self.id().value(), self.underlayIp().toString(), self.subnet().toString(),
                        self.gateway().toString(), self.mtu()),
                new FabricJson(f.fabricCidr().toString(), f.hostPrefix(), f.tunnelKey().value(), f.underlayMtu(),
                        f.tunnelOverhead(), f.reservedHead(), f.fabricId()),
                state.view().hostList().stream().map(h -> new HostJson(h.id().value(), h.underlayIp().toString(),
                        h.subnet().toString(), h.up(), h.state().name())).toList(),
                state.view().revision(),
                state.view().networks().values().stream().map(n -> new NetworkJson(n.id(), n.name(), n.subnet().toString(),
                        n.gateway().toString(), n.tunnelKey().value(), n.labels())).toList(),
                state.view().endpoints().values().stream().map(e -> new EndpointJson(e.networkId(), e.endpointId(),
                        e.host().value(), e.address().toString(), e.mac(), e.containerId(), e.containerName(), e.aliases()))
                        .toList());
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(FILE + ".tmp");
            Files.write(tmp, json.writeValueAsBytes(s));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write agent state to " + file() + ": " + e.getMessage(), e);
        }
    }
}
