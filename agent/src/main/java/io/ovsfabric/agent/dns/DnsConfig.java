package io.ovsfabric.agent.dns;

import java.net.InetSocketAddress;
import java.time.Duration;
import io.ovsfabric.common.Cidr;
import java.util.List;
import java.util.Optional;

/**
 * @param listen          where to answer (UDP and TCP); the agent's default is the host's fabric gateway, port 53
 * @param upstreams       resolvers for every name that is not a fabric name (the host's, from /etc/resolv.conf)
 * @param ttlSeconds      TTL of fabric answers: short, containers come and go
 * @param upstreamTimeout how long to wait for one upstream before trying the next
 * @param fabric          the fabric CIDR: its addresses (and loopback, and the user networks' subnets) are the only
 *                        clients answered
 * @param relayPerSecond  relayed queries per second per client (token bucket), over it REFUSED
 * @param relayBurst      the bucket's size
 */
public record DnsConfig(List<InetSocketAddress> listen, List<InetSocketAddress> upstreams, int ttlSeconds,
        Duration upstreamTimeout, Optional<Cidr> fabric, double relayPerSecond, int relayBurst) {
    public DnsConfig {
        listen = List.copyOf(listen);
        upstreams = List.copyOf(upstreams);
    }

    /** Answering loopback and the user networks only (no fabric CIDR), relaying 20/s per client (burst 50). */
    public DnsConfig(List<InetSocketAddress> listen, List<InetSocketAddress> upstreams, int ttlSeconds,
            Duration upstreamTimeout) {
        this(listen, upstreams, ttlSeconds, upstreamTimeout, Optional.empty(), 20, 50);
    }

    /** The same, also answering the fabric's CIDR (docker0's containers). */
    public DnsConfig withFabric(Cidr cidr) {
        return new DnsConfig(listen, upstreams, ttlSeconds, upstreamTimeout, Optional.of(cidr), relayPerSecond,
                relayBurst);
    }
}
