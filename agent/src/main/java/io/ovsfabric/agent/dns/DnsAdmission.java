package io.ovsfabric.agent.dns;

import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Who the DNS server answers, and how fast it relays for each of them. Pure apart from the clock it is given.
 * <ul>
 *   <li>Clients: loopback (the host itself), the fabric's CIDR (docker0's containers) and the user networks' subnets;
 *       anyone else (the underlay, the outside) gets no answer at all, so the server is no open resolver.</li>
 *   <li>Relaying to the upstreams: a token bucket per client address ({@code burst} queries, refilled at
 *       {@code perSecond}); over it the query is refused (REFUSED), fabric names are always answered.</li>
 * </ul>
 */
final class DnsAdmission {
    private final Optional<Cidr> fabric;
    private final double perSecond;
    private final double burst;
    private final LongSupplier nanos;
    private final Map<InetAddress, double[]> buckets = new HashMap<>();

    DnsAdmission(Optional<Cidr> fabric, double perSecond, int burst, LongSupplier nanos) {
        this.fabric = fabric;
        this.perSecond = perSecond;
        this.burst = burst;
        this.nanos = nanos;
    }

    /** Whether this client is one of the fabric's (or the host itself). */
    boolean admits(InetAddress client, List<OverlayNetwork> networks) {
        if (client.isLoopbackAddress()) {
            return true;
        }
        if (!(client instanceof Inet4Address)) {
            return false;
        }
        Ipv4Address address = new Ipv4Address(ByteBuffer.wrap(client.getAddress()).getInt());
        if (fabric.isPresent() && fabric.get().contains(address)) {
            return true;
        }
        return networks.stream().anyMatch(n -> n.subnet().contains(address));
    }

    /** Takes one relay token of this client's; false when it has none left. */
    synchronized boolean mayForward(InetAddress client) {
        long now = nanos.getAsLong();
        double[] bucket = buckets.computeIfAbsent(client, c -> new double[] {burst, now});
        double tokens = Math.min(burst, bucket[0] + (now - (long) bucket[1]) / 1e9 * perSecond);
        bucket[1] = now;
        if (buckets.size() > 4096) {
            buckets.entrySet().removeIf(e -> e.getValue()[0] >= burst && e.getKey() != client);
        }
        if (tokens < 1) {
            bucket[0] = tokens;
            return false;
        }
        bucket[0] = tokens - 1;
        return true;
    }
}
