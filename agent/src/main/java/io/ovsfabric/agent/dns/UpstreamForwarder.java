package io.ovsfabric.agent.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryEncoder;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends a query to the upstream resolvers in turn (one fresh socket and a random id per attempt) and hands back the
 * first reply's bytes unchanged except for the id: re-encoding a reply would break the compressed names inside
 * records netty does not decode (SOA, MX, SRV).
 */
final class UpstreamForwarder {
    private final EventLoopGroup group;
    private final List<InetSocketAddress> upstreams;
    private final Duration timeout;
    private final SecureRandom random = new SecureRandom();

    UpstreamForwarder(EventLoopGroup group, List<InetSocketAddress> upstreams, Duration timeout) {
        this.group = group;
        this.upstreams = upstreams;
        this.timeout = timeout;
    }

    /** Completes with the reply bytes (id = the query's), or fails when no upstream answered. Takes over the query. */
    Promise<byte[]> forward(DnsQuery query) {
        Promise<byte[]> result = group.next().newPromise();
        result.addListener(f -> ReferenceCountUtil.release(query));
        attempt(query, 0, result);
        return result;
    }

    private void attempt(DnsQuery query, int index, Promise<byte[]> result) {
        if (index >= upstreams.size()) {
            result.tryFailure(new TimeoutException("no upstream resolver answered " + upstreams));
            return;
        }
        InetSocketAddress upstream = upstreams.get(index);
        int id = random.nextInt(0x10000);
        Promise<byte[]> reply = group.next().newPromise();
        reply.addListener(f -> {
            if (f.isSuccess()) {
                byte[] bytes = (byte[]) f.getNow();
                bytes[0] = (byte) (query.id() >> 8);
                bytes[1] = (byte) query.id();
                result.trySuccess(bytes);
            } else {
                attempt(query, index + 1, result);
            }
        });
        new Bootstrap().group(group).channel(EpollDatagramChannel.class)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(new DatagramDnsQueryEncoder(), new ReplyHandler(upstream, id, reply));
                    }
                })
                .bind(new InetSocketAddress(0)).addListener(bound -> {
                    if (!bound.isSuccess()) {
                        reply.tryFailure(bound.cause());
                        return;
                    }
                    Channel ch = ((ChannelFuture) bound).channel();
                    reply.addListener(f -> ch.close());
                    ch.eventLoop().schedule(() -> reply.tryFailure(new TimeoutException(upstream + " did not answer")),
                            timeout.toMillis(), TimeUnit.MILLISECONDS);
                    ch.writeAndFlush(copy(query, upstream, id)).addListener(sent -> {
                        if (!sent.isSuccess()) {
                            reply.tryFailure(sent.cause());
                        }
                    });
                });
    }

    /** The same question(s) and EDNS options under another id; the encoder releases the copy. */
    private static DatagramDnsQuery copy(DnsQuery query, InetSocketAddress upstream, int id) {
        DatagramDnsQuery out = new DatagramDnsQuery(null, upstream, id);
        out.setRecursionDesired(query.isRecursionDesired());
        for (int i = 0; i < query.count(DnsSection.QUESTION); i++) {
            out.addRecord(DnsSection.QUESTION, query.recordAt(DnsSection.QUESTION, i));
        }
        for (int i = 0; i < query.count(DnsSection.ADDITIONAL); i++) {
            DnsRecord r = query.recordAt(DnsSection.ADDITIONAL, i);
            out.addRecord(DnsSection.ADDITIONAL, r instanceof ByteBufHolder holder ? (DnsRecord) holder.retainedDuplicate() : r);
        }
        return out;
    }

    private static final class ReplyHandler extends SimpleChannelInboundHandler<DatagramPacket> {
        private final InetSocketAddress upstream;
        private final int id;
        private final Promise<byte[]> reply;

        ReplyHandler(InetSocketAddress upstream, int id, Promise<byte[]> reply) {
            this.upstream = upstream;
            this.id = id;
            this.reply = reply;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            // Only the upstream we asked, with our id: anything else is stray or spoofed.
            if (packet.sender().equals(upstream) && packet.content().readableBytes() >= 12
                    && packet.content().getUnsignedShort(packet.content().readerIndex()) == id) {
                reply.trySuccess(ByteBufUtil.getBytes(packet.content()));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // e.g. the socket closed by a timeout while a read was pending: this attempt is over either way
            reply.tryFailure(cause);
        }
    }
}
