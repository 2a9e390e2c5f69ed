package io.ovsfabric.agent.dns;

import io.ovsfabric.agent.metrics.AgentMetrics;
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
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.handler.codec.dns.TcpDnsQueryDecoder;
import io.netty.handler.codec.dns.TcpDnsResponseEncoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.common.Ipv4Address;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

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
        return start(config, directory, AgentMetrics.none());
    }

    /** The same, counting queries and relays in {@code metrics}. */
    public static FabricDnsServer start(DnsConfig config, EndpointDirectory directory, AgentMetrics metrics) {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ChannelGroup channels = new DefaultChannelGroup("dns", GlobalEventExecutor.INSTANCE);
        DnsAnswerer answerer = new DnsAnswerer(directory, config.ttlSeconds());
        DnsAdmission admission = new DnsAdmission(config.fabric(), config.relayPerSecond(), config.relayBurst(),
                System::nanoTime);
        Gate gate = new Gate(admission, directory);
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
                                ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new UdpHandler(answerer, forwarder, gate, metrics),
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
                                        new TcpHandler(answerer, forwarder, gate, metrics));
                            }
                        }).bind(address).sync().channel();
                channels.add(t);
                tcp.add((InetSocketAddress) t.localAddress());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutdown(group, channels);
            throw AgentException.failed("interrupted while binding the DNS server", e);
        } catch (RuntimeException e) {
            shutdown(group, channels);
            throw AgentException.failed("cannot serve DNS on " + config.listen() + ": " + e.getMessage()
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

    /**
     * One query: a fabric name is answered here, anything else is relayed. Subclasses say how a transport
     * addresses and frames replies.
     */
    private abstract static class QueryHandler<Q extends DnsQuery> extends SimpleChannelInboundHandler<Q> {
        private final DnsAnswerer answerer;
        private final UpstreamForwarder forwarder;

        private final Gate gate;

        private final AgentMetrics metrics;

        QueryHandler(DnsAnswerer answerer, UpstreamForwarder forwarder, Gate gate, AgentMetrics metrics) {
            this.metrics = metrics;
            this.answerer = answerer;
            this.forwarder = forwarder;
            this.gate = gate;
        }

        /** A client outside the fabric: UDP says nothing, TCP closes the connection. */
        void refuseClient(ChannelHandlerContext ctx) {}

        abstract SocketAddress asker(ChannelHandlerContext ctx, Q query);

        abstract DnsResponse response(Q query, DnsResponseCode code);

        abstract void send(ChannelHandlerContext ctx, DnsResponse response);

        /** How an upstream reply (raw bytes) goes back on this transport. */
        abstract Function<byte[], Object> rawReply(Q query);

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Q query) {
            SocketAddress from = asker(ctx, query);
            java.net.InetAddress client = ((InetSocketAddress) from).getAddress();
            if (!gate.admission().admits(client, gate.directory().snapshot().networks())) {
                log.debug("DNS query from {} ignored: not a fabric client", from);
                refuseClient(ctx);
                return;
            }
            Optional<List<Ipv4Address>> answer = answerer.answer(query, asker(ctx, query));
            metrics.dnsQuery(answer.isPresent() ? "fabric" : "forwarded");
            if (answer.isPresent()) {
                DnsResponse response = response(query, DnsResponseCode.NOERROR);
                answerer.fill(response, query, answer.get());
                send(ctx, response);
                return;
            }
            if (!gate.admission().mayForward(client)) {
                DnsResponse refused = response(query, DnsResponseCode.REFUSED);
                if (query.count(DnsSection.QUESTION) > 0) {
                    refused.addRecord(DnsSection.QUESTION, query.recordAt(DnsSection.QUESTION, 0));
                }
                log.debug("DNS relay for {} refused: over its rate", from);
                send(ctx, refused);
                return;
            }
            // What the reply needs is taken now: the forwarder releases the query when it is done with it.
            DnsResponse failure = response(query, DnsResponseCode.SERVFAIL);
            if (query.count(DnsSection.QUESTION) > 0) {
                failure.addRecord(DnsSection.QUESTION, query.recordAt(DnsSection.QUESTION, 0));
            }
            Function<byte[], Object> raw = rawReply(query);
            SocketAddress asker = asker(ctx, query);
            ReferenceCountUtil.retain(query);
            forwarder.forward(query).addListener(f -> {
                metrics.dnsForward(f.isSuccess());
                if (f.isSuccess()) {
                    ReferenceCountUtil.release(failure);
                    ctx.writeAndFlush(raw.apply((byte[]) f.getNow()));
                } else {
                    send(ctx, failure);
                    log.debug("no upstream answered for {}: {}", asker, f.cause().toString());
                }
            });
        }
    }

    /** UDP: answers pass the response encoder (after this handler); raw replies are written past it. */
    private static final class UdpHandler extends QueryHandler<DatagramDnsQuery> {
        UdpHandler(DnsAnswerer answerer, UpstreamForwarder forwarder, Gate gate, AgentMetrics metrics) {
            super(answerer, forwarder, gate, metrics);
        }

        @Override
        SocketAddress asker(ChannelHandlerContext ctx, DatagramDnsQuery query) {
            return query.sender();
        }

        @Override
        DnsResponse response(DatagramDnsQuery query, DnsResponseCode code) {
            return new DatagramDnsResponse(query.recipient(), query.sender(), query.id(), query.opCode(), code);
        }

        @Override
        void send(ChannelHandlerContext ctx, DnsResponse response) {
            ctx.channel().writeAndFlush(response);
        }

        @Override
        Function<byte[], Object> rawReply(DatagramDnsQuery query) {
            InetSocketAddress client = query.sender();
            InetSocketAddress local = query.recipient();
            return bytes -> new DatagramPacket(Unpooled.wrappedBuffer(bytes), client, local);
        }
    }

    /** TCP: the encoder passes byte buffers through, so a raw reply only needs its length prefix. */
    private static final class TcpHandler extends QueryHandler<DnsQuery> {
        TcpHandler(DnsAnswerer answerer, UpstreamForwarder forwarder, Gate gate, AgentMetrics metrics) {
            super(answerer, forwarder, gate, metrics);
        }

        @Override
        void refuseClient(ChannelHandlerContext ctx) {
            ctx.close();
        }

        @Override
        SocketAddress asker(ChannelHandlerContext ctx, DnsQuery query) {
            return ctx.channel().remoteAddress();
        }

        @Override
        DnsResponse response(DnsQuery query, DnsResponseCode code) {
            return new DefaultDnsResponse(query.id(), query.opCode(), code);
        }

        @Override
        void send(ChannelHandlerContext ctx, DnsResponse response) {
            ctx.writeAndFlush(response);
        }

        @Override
        Function<byte[], Object> rawReply(DnsQuery query) {
            return bytes -> Unpooled.buffer(bytes.length + 2).writeShort(bytes.length).writeBytes(bytes);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("DNS TCP connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    /** Who is answered and how fast relays go, with the directory the user networks' subnets come from. */
    private record Gate(DnsAdmission admission, EndpointDirectory directory) {}
}
