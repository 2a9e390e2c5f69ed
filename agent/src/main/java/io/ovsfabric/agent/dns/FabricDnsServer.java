package io.ovsfabric.agent.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.handler.codec.dns.TcpDnsQueryDecoder;
import io.netty.handler.codec.dns.TcpDnsResponseEncoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.ovsfabric.agent.docker.PluginException;
import io.ovsfabric.common.Ipv4Address;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The fabric's DNS server (UDP and TCP): container names and {@code name.network} from the fabric's endpoint list,
 * everything else relayed to the host's resolvers. Docker's embedded resolver forwards to it when dockerd runs with
 * {@code --dns <address this server listens on>}; see docs/docker-networks.md.
 */
public final class FabricDnsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FabricDnsServer.class);

    private final EventLoopGroup group;
    private final ChannelGroup channels;
    private final List<InetSocketAddress> udp;
    private final List<InetSocketAddress> tcp;

    private FabricDnsServer(EventLoopGroup group, ChannelGroup channels, List<InetSocketAddress> udp,
            List<InetSocketAddress> tcp) {
        this.group = group;
        this.channels = channels;
        this.udp = udp;
        this.tcp = tcp;
    }

    public static FabricDnsServer start(DnsConfig config, EndpointDirectory directory) {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ChannelGroup channels = new DefaultChannelGroup("dns", GlobalEventExecutor.INSTANCE);
        DnsAnswerer answerer = new DnsAnswerer(directory, config.ttlSeconds());
        UpstreamForwarder forwarder = new UpstreamForwarder(group, config.upstreams(), config.upstreamTimeout());
        List<InetSocketAddress> udp = new ArrayList<>();
        List<InetSocketAddress> tcp = new ArrayList<>();
        try {
            for (InetSocketAddress address : config.listen()) {
                // IP_FREEBIND: the listen address (docker0's) may appear only after the data plane set it up.
                Channel u = new Bootstrap().group(group).channel(EpollDatagramChannel.class)
                        .option(EpollChannelOption.IP_FREEBIND, true)
                        .handler(new ChannelInitializer<DatagramChannel>() {
                            @Override
                            protected void initChannel(DatagramChannel ch) {
                                // The encoder sits after the handler: answers written on the channel pass it,
                                // relayed raw packets written on the handler's context skip it.
                                ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new UdpHandler(answerer, forwarder),
                                        new DatagramDnsResponseEncoder());
                            }
                        }).bind(address).sync().channel();
                channels.add(u);
                udp.add((InetSocketAddress) u.localAddress());
                Channel t = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                        .option(EpollChannelOption.IP_FREEBIND, true)
                        .childHandler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                channels.add(ch);
                                ch.pipeline().addLast(new TcpDnsQueryDecoder(), new TcpDnsResponseEncoder(),
                                        new TcpHandler(answerer, forwarder));
                            }
                        }).bind(address).sync().channel();
                channels.add(t);
                tcp.add((InetSocketAddress) t.localAddress());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutdown(group, channels);
            throw PluginException.failed("interrupted while binding the DNS server", e);
        } catch (RuntimeException e) {
            shutdown(group, channels);
            throw PluginException.failed("cannot serve DNS on " + config.listen() + ": " + e.getMessage()
                    + " (is something else on port 53 of that address?)", e);
        }
        log.info("fabric DNS on udp {} tcp {}, other names go to {}", udp, tcp, config.upstreams());
        return new FabricDnsServer(group, channels, List.copyOf(udp), List.copyOf(tcp));
    }

    public List<InetSocketAddress> udpAddresses() {
        return udp;
    }

    public List<InetSocketAddress> tcpAddresses() {
        return tcp;
    }

    @Override
    public void close() {
        shutdown(group, channels);
        log.info("fabric DNS on {} stopped", udp);
    }

    private static void shutdown(EventLoopGroup group, ChannelGroup channels) {
        channels.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class UdpHandler extends SimpleChannelInboundHandler<DatagramDnsQuery> {
        private final DnsAnswerer answerer;
        private final UpstreamForwarder forwarder;

        UdpHandler(DnsAnswerer answerer, UpstreamForwarder forwarder) {
            this.answerer = answerer;
            this.forwarder = forwarder;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
            Optional<List<Ipv4Address>> answer = answerer.answer(query, query.sender());
            if (answer.isPresent()) {
                DatagramDnsResponse response = new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
                answerer.fill(response, query, answer.get());
                ctx.channel().writeAndFlush(response);
                return;
            }
            // What the reply needs is read now: the forwarder releases the query when it is done with it.
            InetSocketAddress client = query.sender();
            InetSocketAddress local = query.recipient();
            int id = query.id();
            DnsOpCode opCode = query.opCode();
            DnsQuestion question = query.recordAt(DnsSection.QUESTION, 0);
            ReferenceCountUtil.retain(query);
            forwarder.forward(query).addListener(f -> {
                if (f.isSuccess()) {
                    ctx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer((byte[]) f.getNow()), client, local));
                } else {
                    DatagramDnsResponse failed = new DatagramDnsResponse(local, client, id, opCode, DnsResponseCode.SERVFAIL);
                    if (question != null) {
                        failed.addRecord(DnsSection.QUESTION, question);
                    }
                    ctx.channel().writeAndFlush(failed);
                    log.debug("no upstream answered for {}: {}", client, f.cause().toString());
                }
            });
        }
    }

    private static final class TcpHandler extends SimpleChannelInboundHandler<DnsQuery> {
        private final DnsAnswerer answerer;
        private final UpstreamForwarder forwarder;

        TcpHandler(DnsAnswerer answerer, UpstreamForwarder forwarder) {
            this.answerer = answerer;
            this.forwarder = forwarder;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DnsQuery query) {
            Optional<List<Ipv4Address>> answer = answerer.answer(query, ctx.channel().remoteAddress());
            if (answer.isPresent()) {
                DefaultDnsResponse response = new DefaultDnsResponse(query.id());
                answerer.fill(response, query, answer.get());
                ctx.writeAndFlush(response);
                return;
            }
            int id = query.id();
            DnsOpCode opCode = query.opCode();
            ReferenceCountUtil.retain(query);
            forwarder.forward(query).addListener(f -> {
                if (f.isSuccess()) {
                    byte[] reply = (byte[]) f.getNow();
                    ctx.writeAndFlush(Unpooled.buffer(reply.length + 2).writeShort(reply.length).writeBytes(reply));
                } else {
                    ctx.writeAndFlush(new DefaultDnsResponse(id, opCode, DnsResponseCode.SERVFAIL));
                }
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("DNS TCP connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }
}
