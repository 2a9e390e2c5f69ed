package io.ovsfabric.agent.dns;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsSection;
import io.ovsfabric.common.Ipv4Address;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether a query is about a fabric name and fills the answer: A records for A queries, an empty
 * NOERROR for other types of a fabric name (so that AAAA lookups do not wait), nothing for other names.
 */
final class DnsAnswerer {
    private final EndpointDirectory directory;
    private final int ttl;
    private EndpointDirectory.Snapshot cachedFor;
    private NameTable cached;

    DnsAnswerer(EndpointDirectory directory, int ttl) {
        this.directory = directory;
        this.ttl = ttl;
    }

    /** The addresses to answer with, or empty to forward the query upstream. */
    Optional<List<Ipv4Address>> answer(DnsQuery query, SocketAddress sender) {
        if (query.opCode() != DnsOpCode.QUERY || query.count(DnsSection.QUESTION) != 1) {
            return Optional.empty();
        }
        DnsQuestion question = query.recordAt(DnsSection.QUESTION, 0);
        if (question.dnsClass() != DnsRecord.CLASS_IN) {
            return Optional.empty();
        }
        Optional<List<Ipv4Address>> found = table().resolve(question.name(), querier(sender));
        if (found.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(question.type() == DnsRecordType.A ? found.get() : List.of());
    }

    /** Fills a response for the query's question with the given A records. */
    void fill(DnsResponse response, DnsQuery query, List<Ipv4Address> addresses) {
        DnsQuestion question = query.recordAt(DnsSection.QUESTION, 0);
        response.setRecursionDesired(query.isRecursionDesired()).setRecursionAvailable(true).setAuthoritativeAnswer(true);
        response.addRecord(DnsSection.QUESTION, question);
        for (Ipv4Address a : addresses) {
            response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), DnsRecordType.A, ttl,
                    Unpooled.wrappedBuffer(a.toBytes())));
        }
    }

    private synchronized NameTable table() {
        EndpointDirectory.Snapshot now = directory.snapshot();
        if (now != cachedFor) {
            cached = new NameTable(now);
            cachedFor = now;
        }
        return cached;
    }

    private static Optional<Ipv4Address> querier(SocketAddress sender) {
        if (sender instanceof InetSocketAddress inet && inet.getAddress() instanceof Inet4Address v4) {
            return Optional.of(Ipv4Address.parse(v4.getHostAddress()));
        }
        return Optional.empty();
    }
}
