package io.ovsfabric.agent.dns;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * @param listen          where to answer (UDP and TCP); the agent's default is the host's fabric gateway, port 53
 * @param upstreams       resolvers for every name that is not a fabric name (the host's, from /etc/resolv.conf)
 * @param ttlSeconds      TTL of fabric answers: short, containers come and go
 * @param upstreamTimeout how long to wait for one upstream before trying the next
 */
public record DnsConfig(List<InetSocketAddress> listen, List<InetSocketAddress> upstreams, int ttlSeconds,
        Duration upstreamTimeout) {
    public DnsConfig {
        listen = List.copyOf(listen);
        upstreams = List.copyOf(upstreams);
    }
}
