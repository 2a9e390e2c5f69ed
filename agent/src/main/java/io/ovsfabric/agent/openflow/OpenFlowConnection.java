package io.ovsfabric.agent.openflow;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.MessageToByteEncoder;
import io.ovsfabric.agent.AgentException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.projectfloodlight.openflow.exceptions.OFParseError;
import org.projectfloodlight.openflow.protocol.OFBarrierReply;
import org.projectfloodlight.openflow.protocol.OFEchoRequest;
import org.projectfloodlight.openflow.protocol.OFErrorMsg;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFHello;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFStatsReply;
import org.projectfloodlight.openflow.protocol.OFStatsReplyFlags;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.U32;

/**
 * One OpenFlow 1.3 session with a bridge over its management socket ({@code <rundir>/<bridge>.mgmt}): no OVSDB
 * change, no listening port, and flows stay when the session ends. Answers echo requests, collects multipart
 * replies and errors by xid, and closes batches with a barrier. A session that the switch ended (vswitchd died or
 * restarted: its flow table is gone too) is reported to the listener given at open; one ended by {@link #close} is not.
 */
final class OpenFlowConnection implements AutoCloseable {
    private final String bridge;
    private final Channel channel;
    private final Duration timeout;
    private final AtomicLong xids = new AtomicLong(1);
    private final CompletableFuture<OFHello> hello = new CompletableFuture<>();
    private final Map<Long, CompletableFuture<List<OFMessage>>> pending = new ConcurrentHashMap<>();
    private final Map<Long, List<OFMessage>> partial = new ConcurrentHashMap<>();
    private final Map<Long, OFErrorMsg> errors = new ConcurrentHashMap<>();
    private final Runnable lost;
    private volatile boolean closing;

    private OpenFlowConnection(String bridge, Channel channel, Duration timeout, Runnable lost) {
        this.bridge = bridge;
        this.channel = channel;
        this.timeout = timeout;
        this.lost = lost;
    }

    static OpenFlowConnection open(String bridge, Path socket, EventLoopGroup group, Duration timeout) {
        return open(bridge, socket, group, timeout, () -> {});
    }

    /** @param lost run on the I/O thread when the connected session ends without {@link #close} ending it */
    static OpenFlowConnection open(String bridge, Path socket, EventLoopGroup group, Duration timeout, Runnable lost) {
        OpenFlowConnection[] holder = new OpenFlowConnection[1];
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioDomainSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(65535, 2, 2, -4, 0),
                                new MessageToByteEncoder<OFMessage>() {
                                    @Override
                                    protected void encode(ChannelHandlerContext ctx, OFMessage msg, ByteBuf out) {
                                        msg.writeTo(out);
                                    }
                                },
                                new SimpleChannelInboundHandler<ByteBuf>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
                                        holder[0].received(frame);
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        holder[0].failAll(new AgentException("OpenFlow session with " + bridge + " closed"));
                                        if (!holder[0].closing) {
                                            holder[0].lost.run();
                                        }
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        holder[0].failAll(new AgentException("OpenFlow session with " + bridge
                                                + " failed: " + cause, cause));
                                        ctx.close();
                                    }
                                });
                    }
                });
        ChannelFuture future = bootstrap.register();
        holder[0] = new OpenFlowConnection(bridge, future.channel(), timeout, lost);
        try {
            future.sync();
            ChannelFuture connect = future.channel().connect(UnixDomainSocketAddress.of(socket));
            if (!connect.await(timeout.toMillis()) || !connect.isSuccess()) {
                holder[0].closing = true;
                future.channel().close();
                throw new AgentException("cannot open the OpenFlow management socket " + socket + " of " + bridge
                        + ": " + connect.cause() + "; is ovs-vswitchd running with this run dir (--ovs-rundir)?",
                        connect.cause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            holder[0].closing = true;
            future.channel().close();
            throw new AgentException("interrupted while connecting to " + socket, e);
        }
        holder[0].handshake();
        return holder[0];
    }

    private void handshake() {
        channel.writeAndFlush(FlowMessages.OF13.buildHello().setXid(nextXid()).setElements(List.of(
                FlowMessages.OF13.helloElemVersionbitmap(List.of(U32.of(1L << OFVersion.OF_13.getWireVersion())))))
                .build());
        OFHello reply = await(hello, "OpenFlow hello from " + bridge);
        if (reply.getVersion().compareTo(OFVersion.OF_13) < 0 && reply.getElements().isEmpty()) {
            close();
            throw new AgentException(bridge + " does not speak OpenFlow 1.3: set its protocols to OpenFlow13");
        }
    }

    long nextXid() {
        return xids.getAndIncrement();
    }

    boolean isOpen() {
        return channel.isActive();
    }

    /** Sends without waiting; errors for it are collected until the next {@link #barrier()}. */
    void send(OFMessage message) {
        channel.write(message);
    }

    /** Sends a request and waits for its (possibly multipart) reply. */
    List<OFMessage> request(OFMessage message, String what) {
        CompletableFuture<List<OFMessage>> reply = new CompletableFuture<>();
        pending.put(message.getXid(), reply);
        channel.writeAndFlush(message);
        return await(reply, what);
    }

    /** Flushes, waits for everything sent before to be processed, and returns the errors the switch reported. */
    Map<Long, OFErrorMsg> barrier(String what) {
        request(FlowMessages.OF13.buildBarrierRequest().setXid(nextXid()).build(), what);
        Map<Long, OFErrorMsg> found = Map.copyOf(errors);
        errors.clear();
        return found;
    }

    private void received(ByteBuf frame) {
        OFMessage message;
        try {
            message = OFFactories.getGenericReader().readFrom(frame);
        } catch (OFParseError e) {
            failAll(new AgentException(bridge + " sent a message openflowj cannot parse: " + e.getMessage(), e));
            return;
        }
        if (message instanceof OFHello h) {
            hello.complete(h);
        } else if (message instanceof OFEchoRequest echo) {
            channel.writeAndFlush(FlowMessages.OF13.buildEchoReply().setXid(echo.getXid()).setData(echo.getData()).build());
        } else if (message instanceof OFErrorMsg error) {
            CompletableFuture<List<OFMessage>> waiting = pending.remove(error.getXid());
            if (waiting != null) {
                waiting.completeExceptionally(new AgentException(bridge + " refused request: " + error));
            } else {
                errors.put(error.getXid(), error);
            }
        } else if (message instanceof OFStatsReply reply) {
            List<OFMessage> parts = partial.computeIfAbsent(reply.getXid(), x -> new ArrayList<>());
            parts.add(reply);
            if (!reply.getFlags().contains(OFStatsReplyFlags.REPLY_MORE)) {
                partial.remove(reply.getXid());
                complete(reply.getXid(), parts);
            }
        } else if (message instanceof OFBarrierReply) {
            complete(message.getXid(), List.of(message));
        }
    }

    private void complete(long xid, List<OFMessage> messages) {
        CompletableFuture<List<OFMessage>> waiting = pending.remove(xid);
        if (waiting != null) {
            waiting.complete(messages);
        }
    }

    private void failAll(AgentException cause) {
        hello.completeExceptionally(cause);
        pending.values().forEach(f -> f.completeExceptionally(cause));
        pending.clear();
    }

    private <T> T await(CompletableFuture<T> future, String what) {
        return AgentException.await(future, timeout, what, bridge, () -> { }, this::close);
    }

    @Override
    public void close() {
        closing = true;
        channel.close().awaitUninterruptibly(timeout.toMillis());
    }
}
