package io.ovsfabric.agent.health;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.metrics.Registries;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Per-peer tunnel meters (Prometheus): {@code ovsfabric_agent_tunnel_up{peer}} (1 healthy, 0 pending or broken),
 * {@code ovsfabric_agent_tunnel_rtt_seconds{peer}} (histogram of answered probes),
 * {@code ovsfabric_agent_tunnel_probes_sent_total{peer}} and {@code ovsfabric_agent_tunnel_probes_lost_total{peer}}.
 * A peer's meters go when the peer leaves the topology.
 */
public final class TunnelMetrics implements TunnelHealthListener {
    private final MeterRegistry registry;
    private final Map<HostId, PeerMeters> peers = new ConcurrentHashMap<>();

    private record PeerMeters(AtomicLong up, AtomicLong sent, AtomicLong lost, Timer rtt, List<Meter> meters) {}

    public TunnelMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void peersChanged(List<PeerStatus> now) {
        Set<HostId> present = now.stream().map(PeerStatus::peer).collect(Collectors.toSet());
        peers.entrySet().removeIf(e -> {
            if (present.contains(e.getKey())) {
                return false;
            }
            e.getValue().meters().forEach(registry::remove);
            return true;
        });
        probed(now);
    }

    @Override
    public void probed(List<PeerStatus> now) {
        for (PeerStatus s : now) {
            PeerMeters m = peers.computeIfAbsent(s.peer(), this::register);
            m.up().set(s.state() == TunnelState.HEALTHY ? 1 : 0);
            m.sent().set(s.sentTotal());
            m.lost().set(s.lostTotal());
        }
    }

    @Override
    public void transitions(List<Transition> transitions) {
        for (Transition t : transitions) {
            PeerMeters m = peers.get(t.status().peer());
            if (m != null) {
                m.up().set(t.to() == TunnelState.HEALTHY ? 1 : 0);
            }
        }
    }

    @Override
    public void answered(HostId peer, Duration rtt) {
        PeerMeters m = peers.get(peer);
        if (m != null) {
            m.rtt().record(rtt);
        }
    }

    private PeerMeters register(HostId peer) {
        AtomicLong up = new AtomicLong();
        AtomicLong sent = new AtomicLong();
        AtomicLong lost = new AtomicLong();
        List<Meter> meters = new ArrayList<>();
        String tag = peer.value();
        meters.add(Gauge.builder("ovsfabric.agent.tunnel.up", up, AtomicLong::get)
                .description("1 while the tunnel to the peer answers probes, 0 while pending or broken")
                .tag("peer", tag).register(registry));
        meters.add(FunctionCounter.builder("ovsfabric.agent.tunnel.probes.sent", sent, AtomicLong::get)
                .description("tunnel probes sent to the peer").tag("peer", tag).register(registry));
        meters.add(FunctionCounter.builder("ovsfabric.agent.tunnel.probes.lost", lost, AtomicLong::get)
                .description("tunnel probes to the peer that went unanswered").tag("peer", tag).register(registry));
        Timer rtt = Registries.latency("ovsfabric.agent.tunnel.rtt", "round trip of answered tunnel probes")
                .tag("peer", tag).register(registry);
        meters.add(rtt);
        return new PeerMeters(up, sent, lost, rtt, meters);
    }
}
