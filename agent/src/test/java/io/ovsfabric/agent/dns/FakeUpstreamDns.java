package io.ovsfabric.agent.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A resolver on loopback: example.test is 192.0.2.99, every other name is NXDOMAIN with an SOA whose data uses a
 * compression pointer (bytes a re-encoding relay would corrupt). Records the names it was asked.
 */
final class FakeUpstreamDns implements AutoCloseable {
    /** SOA rdata: MNAME and RNAME both pointers to offset 12 (the question name), then five 32-bit numbers. */
    static final byte[] SOA_DATA = {(byte) 0xc0, 0x0c, (byte) 0xc0, 0x0c, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4,
            0, 0, 0, 5};

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final List<String> asked = new CopyOnWriteArrayList<>();
    private final Channel channel;

    FakeUpstreamDns() throws InterruptedException {
        channel = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(),
                                new SimpleChannelInboundHandler<DatagramDnsQuery>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery q) {
                                        answer(ctx, q);
                                    }
                                });
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    private void answer(ChannelHandlerContext ctx, DatagramDnsQuery q) {
        DnsQuestion question = q.recordAt(DnsSection.QUESTION, 0);
        asked.add(question.name());
        boolean known = question.name().equals("example.test.");
        DatagramDnsResponse r = new DatagramDnsResponse(q.recipient(), q.sender(), q.id(), q.opCode(),
                known ? DnsResponseCode.NOERROR : DnsResponseCode.NXDOMAIN);
        r.setRecursionAvailable(true).setRecursionDesired(q.isRecursionDesired());
        r.addRecord(DnsSection.QUESTION, question);
        if (known) {
            r.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), DnsRecordType.A, 60,
                    Unpooled.wrappedBuffer(new byte[] {(byte) 192, 0, 2, 99})));
        } else {
            r.addRecord(DnsSection.AUTHORITY, new DefaultDnsRawRecord("test.", DnsRecordType.SOA, 300,
                    Unpooled.wrappedBuffer(SOA_DATA)));
        }
        ctx.writeAndFlush(r);
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
