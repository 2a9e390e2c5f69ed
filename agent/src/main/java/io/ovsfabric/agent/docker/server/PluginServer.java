package io.ovsfabric.agent.docker.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.ovsfabric.agent.metrics.AgentMetrics;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.docker.protocol.PluginProtocol;
import io.ovsfabric.agent.docker.protocol.PluginReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves the plugin protocol as HTTP/1.1 on a unix socket, where dockerd discovers plugins
 * ({@code <plugin dir>/ovsfabric.sock}). Calls run on worker threads: they wait for the controller and commands.
 */
public final class PluginServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PluginServer.class);
    private static final int MAX_BODY = 1 << 20;

    private final Path socket;
    private final EventLoopGroup group;
    private final ExecutorService workers;
    private final Channel channel;
    private final ChannelGroup connections;

    private PluginServer(Path socket, EventLoopGroup group, ExecutorService workers, Channel channel,
            ChannelGroup connections) {
        this.socket = socket;
        this.group = group;
        this.workers = workers;
        this.channel = channel;
        this.connections = connections;
    }

    /**
     * Binds the socket, first removing a stale one left by a dead agent. Refuses to take over a socket that
     * another process still serves.
     */
    public static PluginServer start(Path socket, PluginProtocol protocol) {
        return start(socket, protocol, AgentMetrics.none());
    }

    /** The same, counting every call in {@code metrics} by method and result. */
    public static PluginServer start(Path socket, PluginProtocol protocol, AgentMetrics metrics) {
        prepare(socket);
        AtomicInteger n = new AtomicInteger();
        ExecutorService workers = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "ofx-plugin-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        // Docker keeps connections alive and has no timeout: they must be closed, not left open, on close().
        ChannelGroup connections = new DefaultChannelGroup("plugin-connections", GlobalEventExecutor.INSTANCE);
        try {
            Channel channel = new ServerBootstrap().group(group).channel(EpollServerDomainSocketChannel.class)
                    .childHandler(new ChannelInitializer<DomainSocketChannel>() {
                        @Override
                        protected void initChannel(DomainSocketChannel ch) {
                            connections.add(ch);
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_BODY),
                                    new CallHandler(protocol, workers, metrics));
                        }
                    })
                    .bind(new DomainSocketAddress(socket.toString())).sync().channel();
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
            log.info("Docker plugin listening on {}", socket);
            return new PluginServer(socket, group, workers, channel, connections);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownNow();
            throw AgentException.failed("interrupted while binding " + socket, e);
        } catch (IOException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownNow();
            throw AgentException.failed("cannot serve the Docker plugin on " + socket + ": " + e.getMessage(), e);
        }
    }

    public Path socket() {
        return socket;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        connections.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdown();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", socket, e.getMessage());
        }
        log.info("Docker plugin on {} stopped", socket);
    }

    private static void prepare(Path socket) {
        try {
            Files.createDirectories(socket.getParent());
            if (Files.exists(socket)) {
                if (serving(socket)) {
                    throw AgentException.conflict("another process serves " + socket + " (a second agent?); stop it"
                            + " or give this agent another --plugin-dir");
                }
                Files.delete(socket);
                log.info("removed stale plugin socket {}", socket);
            }
        } catch (IOException e) {
            throw AgentException.failed("cannot prepare the plugin socket " + socket + ": " + e.getMessage(), e);
        }
    }

    private static boolean serving(Path socket) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return probe.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return false;
        }
    }

    private static final class CallHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final PluginProtocol protocol;
        private final ExecutorService workers;
        private final AgentMetrics metrics;

        CallHandler(PluginProtocol protocol, ExecutorService workers, AgentMetrics metrics) {
            this.metrics = metrics;
            this.protocol = protocol;
            this.workers = workers;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            String method = request.method().name();
            String path = new QueryStringDecoder(request.uri()).path();
            byte[] body = ByteBufUtil.getBytes(request.content());
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            boolean decoded = request.decoderResult().isSuccess();
            workers.execute(() -> {
                PluginReply reply = decoded ? protocol.handle(method, path, body)
                        : new PluginReply(400, "{\"Err\":\"malformed HTTP request\"}", true, Optional.empty());
                reply.unexpected().ifPresentOrElse(
                        e -> log.error("plugin call {} failed unexpectedly", path, e),
                        () -> {
                            if (reply.refused()) {
                                log.info("plugin call {} refused: {}", path, reply.json());
                            } else {
                                log.debug("plugin call {} -> {}", path, reply.json());
                            }
                        });
                metrics.pluginCall(path, reply.unexpected().isPresent() ? "error" : reply.refused() ? "refused" : "ok");
                respond(ctx, reply, keepAlive);
            });
        }

        private static void respond(ChannelHandlerContext ctx, PluginReply reply, boolean keepAlive) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(reply.status()),
                    Unpooled.copiedBuffer(reply.json(), StandardCharsets.UTF_8));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, PluginProtocol.CONTENT_TYPE);
            HttpUtil.setContentLength(response, response.content().readableBytes());
            if (keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                ctx.writeAndFlush(response);
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.warn("plugin connection error: {}", cause.toString());
            ctx.close();
        }
    }
}
