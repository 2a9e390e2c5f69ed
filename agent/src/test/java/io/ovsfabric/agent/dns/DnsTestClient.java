package io.ovsfabric.agent.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryEncoder;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DefaultDnsQuery;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.handler.codec.dns.TcpDnsQueryEncoder;
import io.netty.handler.codec.dns.TcpDnsResponseDecoder;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Asks one question over UDP or TCP and returns what came back, decoded. */
final class DnsTestClient implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    record Reply(int id, String rcode, List<String> answers, List<byte[]> authorityData) {}

    Reply udp(InetSocketAddress server, String source, String name, DnsRecordType type) throws Exception {
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        Channel ch = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel c) {
                        c.pipeline().addLast(new DatagramDnsQueryEncoder(), new DatagramDnsResponseDecoder(), collector(reply));
                    }
                }).bind(new InetSocketAddress(InetAddress.getByName(source), 0)).sync().channel();
        try {
            DatagramDnsQuery q = new DatagramDnsQuery(null, server, 4242);
            q.setRecursionDesired(true).addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(name, type));
            ch.writeAndFlush(q).sync();
            return reply.get(10, TimeUnit.SECONDS);
        } finally {
            ch.close().sync();
        }
    }

    Reply tcp(InetSocketAddress server, String name, DnsRecordType type) throws Exception {
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        c.pipeline().addLast(new TcpDnsQueryEncoder(), new TcpDnsResponseDecoder(), collector(reply));
                    }
                }).connect(server).sync().channel();
        try {
            DefaultDnsQuery q = new DefaultDnsQuery(4343);
            q.setRecursionDesired(true).addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(name, type));
            ch.writeAndFlush(q).sync();
            return reply.get(10, TimeUnit.SECONDS);
        } finally {
            ch.close().sync();
        }
    }

    private static SimpleChannelInboundHandler<DnsResponse> collector(CompletableFuture<Reply> reply) {
        return new SimpleChannelInboundHandler<>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DnsResponse r) {
                List<String> answers = new ArrayList<>();
                for (int i = 0; i < r.count(DnsSection.ANSWER); i++) {
                    DnsRecord rec = r.recordAt(DnsSection.ANSWER, i);
                    if (rec.type() == DnsRecordType.A) {
                        byte[] b = ByteBufUtil.getBytes(((DnsRawRecord) rec).content());
                        answers.add((b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff)
                                + " ttl " + rec.timeToLive());
                    }
                }
                List<byte[]> authority = new ArrayList<>();
                for (int i = 0; i < r.count(DnsSection.AUTHORITY); i++) {
                    authority.add(ByteBufUtil.getBytes(((DnsRawRecord) r.recordAt(DnsSection.AUTHORITY, i)).content()));
                }
                reply.complete(new Reply(r.id(), r.code().toString(), answers, authority));
            }
        };
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
