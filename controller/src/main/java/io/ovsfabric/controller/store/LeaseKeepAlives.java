package io.ovsfabric.controller.store;

import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.NegotiationType;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Lease keep-alives on a few long-lived etcd LeaseKeepAlive streams shared by every lease of this controller.
 *
 * <p>jetcd's {@code keepAliveOnce} opens a new gRPC stream for every call. With 1,000 hosts (300 keep-alives a
 * second) setting those streams up, on both sides, was a sizeable share of the CPU the controller and etcd share
 * with the allocations. etcd's server answers the requests of one stream one after the other, each response naming
 * its lease, so a response completes the oldest waiter of that lease on that stream. A lease always goes to the same
 * stream ({@code id % STREAMS}), and several streams keep one slow renewal (a follower forwards it to the leader)
 * from holding up every other.
 *
 * <p>A stream that fails fails every waiter on it (the callers' keep-alives are retried by their agents) and is
 * opened again by the next call. A waiter that got no answer in time means its stream is stuck (a member cut off from
 * its peers): that stream is cancelled so the next call opens a fresh one. Like jetcd's own keep-alives, requests
 * carry etcd's require-leader header, so a member without a leader refuses at once instead of answering nothing.
 */
final class LeaseKeepAlives implements AutoCloseable {
    static final int STREAMS = 4;
    private static final Metadata.Key<String> REQUIRE_LEADER = Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);

    private final ManagedChannel channel;
    private final LeaseGrpc.LeaseStub stub;
    private final Lane[] lanes = new Lane[STREAMS];

    /** A channel of its own to {@code target} (jetcd's resolved endpoints), as jetcd's: TLS when {@code tls} is set. */
    LeaseKeepAlives(String target, Optional<String> loadBalancing, Optional<io.netty.handler.ssl.SslContext> tls,
            Duration keepaliveTime, Duration keepaliveTimeout) {
        NettyChannelBuilder builder = NettyChannelBuilder.forTarget(target)
                .keepAliveTime(keepaliveTime.toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(keepaliveTimeout.toMillis(), TimeUnit.MILLISECONDS).keepAliveWithoutCalls(true);
        loadBalancing.ifPresent(builder::defaultLoadBalancingPolicy);
        if (tls.isPresent()) {
            builder.negotiationType(NegotiationType.TLS).sslContext(tls.get());
        } else {
            builder.negotiationType(NegotiationType.PLAINTEXT);
        }
        this.channel = builder.build();
        Metadata requireLeader = new Metadata();
        requireLeader.put(REQUIRE_LEADER, "true");
        this.stub = LeaseGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(requireLeader));
        for (int i = 0; i < STREAMS; i++) {
            lanes[i] = new Lane();
        }
    }

    /** Sends one keep-alive of {@code leaseId}; completes with the TTL etcd answered (0 or less: the lease is gone). */
    CompletableFuture<Long> keepAlive(long leaseId) {
        return lane(leaseId).send(leaseId);
    }

    /** The caller gave up on {@code pending} (no answer in time): forget it, and cancel its stream, which is stuck. */
    void abandon(long leaseId, CompletableFuture<Long> pending) {
        lane(leaseId).abandon(leaseId, pending);
    }

    @Override
    public void close() {
        for (Lane lane : lanes) {
            lane.reset(null, Status.CANCELLED.withDescription("the controller is closing its etcd client").asRuntimeException());
        }
        channel.shutdownNow();
    }

    private Lane lane(long leaseId) {
        return lanes[(int) Math.floorMod(leaseId, (long) STREAMS)];
    }

    /** One stream and the waiters on it, by lease, oldest first. */
    private final class Lane {
        private Stream stream; // guarded by this; null: opened by the next send
        private final Map<Long, ArrayDeque<CompletableFuture<Long>>> waiting = new HashMap<>(); // guarded by this

        CompletableFuture<Long> send(long leaseId) {
            CompletableFuture<Long> ttl = new CompletableFuture<>();
            try {
                sendOn(leaseId, ttl);
            } catch (RuntimeException e) {
                // the call was already gone: fail its waiters and this one; the next call opens a new stream
                reset(null, e);
                ttl.completeExceptionally(e);
            }
            return ttl;
        }

        private synchronized void sendOn(long leaseId, CompletableFuture<Long> ttl) {
            if (stream == null) {
                Stream opened = new Stream(this);
                // in the root context: a stream opened inside a gRPC handler would otherwise be a child of that call
                // and be cancelled the moment the call (one agent's KeepAlive) completes
                Context.ROOT.run(() -> stub.leaseKeepAlive(opened));
                stream = opened;
            }
            waiting.computeIfAbsent(leaseId, id -> new ArrayDeque<>()).add(ttl);
            stream.requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(leaseId).build());
        }

        void answered(Stream from, LeaseKeepAliveResponse response) {
            CompletableFuture<Long> waiter;
            synchronized (this) {
                ArrayDeque<CompletableFuture<Long>> queue = from == stream ? waiting.get(response.getID()) : null;
                waiter = queue == null ? null : queue.poll();
                if (queue != null && queue.isEmpty()) {
                    waiting.remove(response.getID());
                }
            }
            if (waiter != null) {
                waiter.complete(response.getTTL()); // outside the lock: the caller's thread may go on at once
            }
        }

        void abandon(long leaseId, CompletableFuture<Long> pending) {
            Stream stuck;
            synchronized (this) {
                ArrayDeque<CompletableFuture<Long>> queue = waiting.get(leaseId);
                stuck = queue != null && queue.contains(pending) ? stream : null;
            }
            if (stuck != null) {
                reset(stuck, Status.DEADLINE_EXCEEDED.withDescription("etcd answered no keep-alive on this stream in"
                        + " time; opening a new one").asRuntimeException());
            }
        }

        /**
         * Ends {@code which} if it is still this lane's stream ({@code null}: whichever it has) and fails its waiters
         * with {@code cause}; a stream opened since is left alone.
         */
        void reset(Stream which, Throwable cause) {
            Stream old;
            Map<Long, ArrayDeque<CompletableFuture<Long>>> failed;
            synchronized (this) {
                if (which != null && which != stream) {
                    return;
                }
                old = stream;
                stream = null;
                failed = new HashMap<>(waiting);
                waiting.clear();
            }
            if (old != null) {
                old.cancel(cause); // outside the lock: gRPC may call back into this lane
            }
            failed.values().forEach(queue -> queue.forEach(waiter -> waiter.completeExceptionally(cause)));
        }
    }

    /** One LeaseKeepAlive call: its request side, and its responses handed to the lane. */
    private static final class Stream implements ClientResponseObserver<LeaseKeepAliveRequest, LeaseKeepAliveResponse> {
        private final Lane lane;
        private ClientCallStreamObserver<LeaseKeepAliveRequest> requests;

        Stream(Lane lane) {
            this.lane = lane;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<LeaseKeepAliveRequest> requestStream) {
            this.requests = requestStream;
        }

        @Override
        public void onNext(LeaseKeepAliveResponse response) {
            lane.answered(this, response);
        }

        @Override
        public void onError(Throwable t) {
            lane.reset(this, t);
        }

        @Override
        public void onCompleted() {
            lane.reset(this, Status.UNAVAILABLE.withDescription("etcd ended the keep-alive stream").asRuntimeException());
        }

        void cancel(Throwable cause) {
            requests.cancel("keep-alive stream reset", cause);
        }
    }
}
