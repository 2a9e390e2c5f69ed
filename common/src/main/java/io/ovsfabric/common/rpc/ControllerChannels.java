package io.ovsfabric.common.rpc;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Builds the one gRPC channel a client (agent, plugin, ovsfabricctl) uses to reach the controllers. The channel
 * knows every controller ({@link ControllerTargets}) and uses {@code pick_first}: calls go to the first controller
 * that answers, and when its connection breaks the next call connects to the next one. A connection attempt gives
 * up after {@link #CONNECT_TIMEOUT}, so a controller that is cut off (no reset, no answer) delays a move by that
 * much at most; one that stops answering on an open connection is noticed by keep-alive pings within 15 s (the
 * controller allows them every 5 s). Message sizes are bounded explicitly on both ends.
 */
public final class ControllerChannels {
    /** The largest message either side accepts (a topology snapshot of a large fabric is the biggest). */
    public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    static {
        NameResolverRegistry.getDefaultRegistry().register(new ControllerNameResolver.Provider());
    }

    private ControllerChannels() {}

    /** A channel to the controllers; nothing connects until the first call. */
    public static ManagedChannel open(ControllerTargets targets, ChannelCredentials credentials) {
        return NettyChannelBuilder.forTarget(ControllerNameResolver.target(targets), credentials)
                .defaultLoadBalancingPolicy("pick_first")
                .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT.toMillis())
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                // a controller cut off without a reset (partition, frozen host) is noticed within 15 s
                .keepAliveTime(10, TimeUnit.SECONDS).keepAliveTimeout(5, TimeUnit.SECONDS)
                .idleTimeout(30, TimeUnit.MINUTES)
                .build();
    }

    /** Closes a channel {@link #open} made: calls in flight end now; waits a moment for its threads (2 s). */
    public static void close(ManagedChannel channel) {
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
