package io.ovsfabric.agent.dns;

import io.netty.handler.codec.dns.DnsRecordType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The DNS server on loopback, with a fake endpoint directory and a fake upstream resolver. */
class FabricDnsServerTest {
    /** A directory whose snapshot the test sets. */
    private static final class FakeEndpointDirectory implements EndpointDirectory {
        volatile Snapshot snapshot = NameTableTest.fabric();

        @Override
        public Snapshot snapshot() {
            return snapshot;
        }
    }

    private final FakeEndpointDirectory directory = new FakeEndpointDirectory();
    private FakeUpstreamDns upstream;
    private DatagramSocket silent;
    private FabricDnsServer server;
    private final DnsTestClient client = new DnsTestClient();

    @BeforeEach
    void start() throws Exception {
        upstream = new FakeUpstreamDns();
        silent = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));   // an upstream that never answers
        server = FabricDnsServer.start(new DnsConfig(List.of(new InetSocketAddress("127.0.0.1", 0)),
                List.of((InetSocketAddress) silent.getLocalSocketAddress(), upstream.address()), 5,
                Duration.ofMillis(300)), directory);
    }

    @AfterEach
    void stop() {
        server.close();
        upstream.close();
        silent.close();
        client.close();
    }

    private InetSocketAddress udp() {
        return server.udpAddresses().get(0);
    }

    @Test
    void containerNamesAreAnsweredOverUdpAndTcpWithoutAskingUpstream() throws Exception {
        DnsTestClient.Reply reply = client.udp(udp(), "127.0.0.1", "web", DnsRecordType.A);
        assertEquals(4242, reply.id());
        assertEquals("NoError(0)", reply.rcode());
        assertEquals(List.of("10.201.0.2 ttl 5"), reply.answers());
        assertEquals(List.of("10.201.0.3 ttl 5"), client.udp(udp(), "127.0.0.1", "db.appnet.", DnsRecordType.A).answers());
        DnsTestClient.Reply tcp = client.tcp(server.tcpAddresses().get(0), "frontend", DnsRecordType.A);
        assertEquals(4343, tcp.id());
        assertEquals(List.of("10.201.0.2 ttl 5"), tcp.answers());
        DnsTestClient.Reply aaaa = client.udp(udp(), "127.0.0.1", "web", DnsRecordType.AAAA);
        assertEquals("NoError(0)", aaaa.rcode());
        assertEquals(List.of(), aaaa.answers());
        assertEquals(List.of(), upstream.asked);
    }

    @Test
    void answersFollowTheDirectory() throws Exception {
        assertEquals(List.of("10.201.0.2 ttl 5"), client.udp(udp(), "127.0.0.1", "web", DnsRecordType.A).answers());
        directory.snapshot = new EndpointDirectory.Snapshot(List.of(NameTableTest.APPNET), List.of(
                NameTableTest.ep(NameTableTest.APPNET, "h2", "10.201.0.7", "c-web2", "web")));
        assertEquals(List.of("10.201.0.7 ttl 5"), client.udp(udp(), "127.0.0.1", "web", DnsRecordType.A).answers());
    }

    @Test
    void theAskingContainerOnlySeesItsNetworks() throws Exception {
        // The asker is a fabric endpoint (web, appnet only): cache lives in othernet.
        directory.snapshot = new EndpointDirectory.Snapshot(NameTableTest.fabric().networks(), List.of(
                NameTableTest.ep(NameTableTest.APPNET, "h1", "127.0.0.5", "c-web", "web"),
                NameTableTest.ep(NameTableTest.OTHERNET, "h3", "10.202.0.4", "c-cache", "cache")));
        assertEquals("NXDomain(3)", client.udp(udp(), "127.0.0.5", "cache", DnsRecordType.A).rcode(), "forwarded, unknown upstream");
        assertEquals(List.of("10.202.0.4 ttl 5"), client.udp(udp(), "127.0.0.1", "cache", DnsRecordType.A).answers());
    }

    @Test
    void otherNamesAreRelayedByteForByteWithFailover() throws Exception {
        DnsTestClient.Reply known = client.udp(udp(), "127.0.0.1", "example.test", DnsRecordType.A);
        assertEquals(4242, known.id());
        assertEquals(List.of("192.0.2.99 ttl 60"), known.answers());
        DnsTestClient.Reply missing = client.udp(udp(), "127.0.0.1", "nothere.test", DnsRecordType.A);
        assertEquals("NXDomain(3)", missing.rcode());
        assertArrayEquals(FakeUpstreamDns.SOA_DATA, missing.authorityData().get(0), "SOA relayed untouched");
        DnsTestClient.Reply overTcp = client.tcp(server.tcpAddresses().get(0), "example.test", DnsRecordType.A);
        assertEquals(4343, overTcp.id());
        assertEquals(List.of("192.0.2.99 ttl 60"), overTcp.answers());
        assertEquals(List.of("example.test.", "nothere.test.", "example.test."), upstream.asked);
    }

    @Test
    void noUpstreamAnsweringIsServfail() throws Exception {
        try (FabricDnsServer lonely = FabricDnsServer.start(new DnsConfig(List.of(new InetSocketAddress("127.0.0.1", 0)),
                List.of((InetSocketAddress) silent.getLocalSocketAddress()), 5, Duration.ofMillis(200)), directory)) {
            assertEquals("ServFail(2)", client.udp(lonely.udpAddresses().get(0), "127.0.0.1", "example.test",
                    DnsRecordType.A).rcode());
            assertEquals("ServFail(2)", client.tcp(lonely.tcpAddresses().get(0), "example.test", DnsRecordType.A).rcode());
        }
    }

    /** Relaying is rate-limited per client (REFUSED over the bucket); fabric names are answered whatever the rate. */
    @Test
    void relaysOverTheClientsRateAreRefusedButFabricNamesStillAnswered() throws Exception {
        try (FabricDnsServer limited = FabricDnsServer.start(new DnsConfig(List.of(new InetSocketAddress("127.0.0.1", 0)),
                List.of(upstream.address()), 5, Duration.ofMillis(300), java.util.Optional.empty(), 0.001, 2),
                directory)) {
            InetSocketAddress at = limited.udpAddresses().get(0);
            assertEquals(List.of("192.0.2.99 ttl 60"), client.udp(at, "127.0.0.1", "example.test", DnsRecordType.A).answers());
            assertEquals(List.of("192.0.2.99 ttl 60"), client.udp(at, "127.0.0.1", "example.test", DnsRecordType.A).answers());
            DnsTestClient.Reply third = client.udp(at, "127.0.0.1", "example.test", DnsRecordType.A);
            assertEquals("Refused(5)", third.rcode());
            assertEquals(4242, third.id());
            assertEquals(List.of("10.201.0.2 ttl 5"), client.udp(at, "127.0.0.1", "web", DnsRecordType.A).answers());
            // another client has a bucket of its own
            assertEquals(List.of("192.0.2.99 ttl 60"), client.udp(at, "127.0.0.7", "example.test", DnsRecordType.A).answers());
            assertEquals(List.of("example.test.", "example.test.", "example.test."), upstream.asked);
        }
    }

    @Test
    void resolvConfGivesTheUpstreams() throws Exception {
        String conf = "# generated\nsearch example.org\nnameserver 192.0.2.53\nnameserver 10.200.3.1\n"
                + "nameserver fd00::53\nnameserver not-an-address\noptions ndots:1\n";
        assertEquals(List.of(new InetSocketAddress(InetAddress.getByName("192.0.2.53"), 53),
                        new InetSocketAddress(InetAddress.getByName("fd00::53"), 53)),
                ResolvConf.nameservers(conf, List.of(new InetSocketAddress("10.200.3.1", 53))));
    }
}
