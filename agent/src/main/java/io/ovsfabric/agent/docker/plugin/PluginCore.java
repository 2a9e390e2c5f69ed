package io.ovsfabric.agent.docker.plugin;

import io.ovsfabric.agent.docker.PluginFabricNetworks;
import io.ovsfabric.agent.rpc.FabricNetworks;
import io.ovsfabric.agent.docker.link.EndpointPlumbing;
import io.ovsfabric.agent.docker.link.PortForwarding;

import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;

/**
 * What the IPAM and network driver share. One lock serialises every state-changing call: Docker's calls for one
 * host are few and short, and a single order makes "check state, call out, record result" trivially atomic.
 */
final class PluginCore {
    final StateHolder state;
    final FabricNetworks fabric;
    final EndpointPlumbing plumbing;
    final PortForwarding ports;
    final PluginSettings settings;
    final Clock clock;
    final RandomGenerator random;
    final ReentrantLock lock = new ReentrantLock();

    PluginCore(StateHolder state, FabricNetworks fabric, EndpointPlumbing plumbing, PortForwarding ports,
            PluginSettings settings, Clock clock, RandomGenerator random) {
        this.state = state;
        this.fabric = PluginFabricNetworks.wrap(fabric);
        this.plumbing = plumbing;
        this.ports = ports;
        this.settings = settings;
        this.clock = clock;
        this.random = random;
    }

    String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            b[i] = (byte) random.nextInt(256);
        }
        return HexFormat.of().formatHex(b);
    }

    static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
