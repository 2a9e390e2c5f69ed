package io.ovsfabric.agent.ovs;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.string.StringEncoder;
import io.ovsfabric.agent.AgentException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.opendaylight.ovsdb.lib.OvsdbClient;
import org.opendaylight.ovsdb.lib.OvsdbConnectionInfo;
import org.opendaylight.ovsdb.lib.impl.OvsdbClientImpl;
import org.opendaylight.ovsdb.lib.jsonrpc.JsonRpcDecoder;
import org.opendaylight.ovsdb.lib.jsonrpc.JsonRpcEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens an OpenDaylight {@link OvsdbClient} over TCP or a unix socket. ODL's own connection service speaks TCP/SSL
 * only and keeps its connections in static state; this builds the same netty pipeline it uses (JSON-RPC decoder,
 * string encoder, JSON-RPC endpoint) on our own channel, TCP or unix domain, and wraps it in ODL's client. Every
 * OVSDB operation above the socket is still ODL's.
 */
final class OvsdbTransport {
    private static final Logger LOG = LoggerFactory.getLogger(OvsdbTransport.class);
    /** Largest JSON-RPC message accepted; a full Open_vSwitch dump of a busy host stays far below. */
    private static final int MAX_FRAME = 16 * 1024 * 1024;

    private OvsdbTransport() {}

    /** @param onClosed run (on the I/O thread) once the connection has closed, for whatever reason */
    static OvsdbClient connect(OvsdbTarget target, EventLoopGroup group, Duration timeout, Runnable onClosed) {
        SocketAddress address = target.isUnix() ? UnixDomainSocketAddress.of(target.socket())
                : new InetSocketAddress(target.host(), target.port());
        Bootstrap bootstrap = new Bootstrap().group(group)
                .channel(target.isUnix() ? NioDomainSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        channel.pipeline().addLast(new JsonRpcDecoder(MAX_FRAME),
                                new StringEncoder(StandardCharsets.UTF_8));
                    }
                });
        ChannelFuture future = bootstrap.connect(address);
        try {
            if (!future.await(timeout.toMillis()) || !future.isSuccess()) {
                future.channel().close();
                Throwable cause = future.cause();
                throw new AgentException("cannot reach ovsdb-server at " + target + ": "
                        + (cause == null ? "no answer within " + timeout.toSeconds() + "s" : cause.getMessage())
                        + "; is ovsdb-server running and listening there (--ovsdb)?", cause);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.channel().close();
            throw new AgentException("interrupted while connecting to " + target, e);
        }
        Channel channel = future.channel();
        channel.closeFuture().addListener(closed -> onClosed.run());
        JsonRpcEndpoint endpoint = new JsonRpcEndpoint(channel);
        channel.pipeline().addLast(endpoint, new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                LOG.warn("OVSDB connection to {} failed, closing it (it reopens on next use): {}", target,
                        cause.toString());
                ctx.close();
            }
        });
        return new OvsdbClientImpl(endpoint, channel, OvsdbConnectionInfo.ConnectionType.ACTIVE,
                OvsdbConnectionInfo.SocketConnectionType.NON_SSL);
    }
}
