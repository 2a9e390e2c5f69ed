package io.ovsfabric.agent.docker.plugin;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.rpc.FabricNetworks;
import io.ovsfabric.agent.linux.PortProbe;

import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;

/**
 * What the IPAM and network driver share. One lock serialises every state-changing call: Docker's calls for one
 * host are few and short, and a single order makes "check state, call out, record result" trivially atomic.
 */
final class PluginCore {
    final StateHolder state;
    final FabricNetworks fabric;
    final DataPlanePass dataPlane;
    final PortProbe ports;
    final PluginSettings settings;
    final Clock clock;
    final RandomGenerator random;
    final ReentrantLock lock = new ReentrantLock();

    PluginCore(StateHolder state, FabricNetworks fabric, DataPlanePass dataPlane, PortProbe ports,
            PluginSettings settings, Clock clock, RandomGenerator random) {
        this.state = state;
        this.fabric = fabric;
        this.dataPlane = dataPlane;
        this.ports = ports;
        this.settings = settings;
        this.clock = clock;
        this.random = random;
    }

    /**
     * Records a change of what the host must have, then has the data plane make it so and waits: all-or-nothing. When
     * the pass fails the state goes back to what it was (a pass is asked for to remove what the failed one left) and
     * the call fails. Callers hold the lock; the data plane reads the state without it.
     */
    PluginState applyOrUndo(String why, UnaryOperator<PluginState> change) {
        PluginState before = state.current();
        PluginState after = state.update(change);
        try {
            dataPlane.applyNow(why);
            return after;
        } catch (AgentException e) {
            try {
                state.update(s -> before);
                dataPlane.requestSoon();
            } catch (AgentException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
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
