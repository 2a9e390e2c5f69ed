package io.ovsfabric.agent.health;

import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Every peer's {@link PeerProbe}, kept in step with the applied topology (pure, thread-safe: one lock). The prober
 * calls {@link #expire} then {@link #due} once per interval and {@link #answered} for each answer.
 */
public final class TunnelTable {
    /** One probe to send now. */
    public record Probe(HostId peer, Ipv4Address address, long seq) {}

    private final ProbeSettings settings;
    private final Map<HostId, PeerProbe> peers = new TreeMap<>();
    private long nextSeq = 1;

    public TunnelTable(ProbeSettings settings) {
        this.settings = settings;
    }

    public ProbeSettings settings() {
        return settings;
    }

    /**
     * The peers to probe (host -> its docker0 gateway). New peers start PENDING; a peer whose address changed starts
     * again; peers no longer listed are forgotten. True when the set changed.
     */
    public synchronized boolean setPeers(Map<HostId, Ipv4Address> wanted, long nowMs) {
        boolean changed = peers.keySet().retainAll(wanted.keySet());
        for (Map.Entry<HostId, Ipv4Address> e : wanted.entrySet()) {
            PeerProbe known = peers.get(e.getKey());
            if (known == null || !known.address().equals(e.getValue())) {
                peers.put(e.getKey(), new PeerProbe(e.getKey(), e.getValue(), settings.brokenAfter(), settings.window(), nowMs));
                changed = true;
            }
        }
        return changed;
    }

    /** Probes unanswered for one interval or more are lost; the tunnels that broke because of it. */
    public synchronized List<Transition> expire(long nowNanos, long nowMs) {
        // a little slack: the tick that expires a probe comes one interval after the one that sent it, give or take
        long timeout = settings.interval().toNanos() * 9 / 10;
        List<Transition> out = new ArrayList<>();
        for (PeerProbe probe : peers.values()) {
            probe.expire(nowNanos, timeout, nowMs).ifPresent(out::add);
        }
        return out;
    }

    /** One new probe per peer, recorded as sent at {@code nowNanos}. */
    public synchronized List<Probe> due(long nowNanos) {
        List<Probe> out = new ArrayList<>(peers.size());
        for (PeerProbe probe : peers.values()) {
            long seq = nextSeq++;
            probe.sent(seq, nowNanos);
            out.add(new Probe(probe.peer(), probe.address(), seq));
        }
        return out;
    }

    /** An answer from {@code peer} to probe {@code seq}; a transition when the tunnel was not healthy. */
    public synchronized Optional<Transition> answered(HostId peer, long seq, long nowNanos, long nowMs) {
        PeerProbe probe = peers.get(peer);
        return probe == null ? Optional.empty() : probe.answered(seq, nowNanos, nowMs);
    }

    /** Every peer, by host id. */
    public synchronized List<PeerStatus> statuses() {
        return peers.values().stream().map(PeerProbe::status).toList();
    }
}
