package io.ovsfabric.controller.rpc;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.topology.TopologyEvent;
import io.ovsfabric.controller.topology.TopologyFeed;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WatchTopology streams with gRPC flow control. A stream sends only while its call {@code isReady()} and resumes
 * from {@code onReady}; what it has not sent stays in the feed's shared history (one position per stream), and a
 * stream that falls behind that history gets a snapshot instead. Every event is encoded once and shared by all
 * streams: it is serialized once ({@link EncodedEvent}) and every stream sends the same bytes. At most {@link #SNAPSHOTS_IN_FLIGHT} snapshots are in the transport's buffers at once (a stream holds a
 * permit from sending its snapshot until its call is ready again), so a thousand agents reconnecting at once cost a
 * bounded amount of memory. A message over the size limit is never sent: an oversized delta becomes a snapshot, an
 * oversized snapshot ends the stream with RESOURCE_EXHAUSTED saying how large it is.
 */
final class TopologyStreams {
    private static final Logger log = LoggerFactory.getLogger(TopologyStreams.class);
    static final int SNAPSHOTS_IN_FLIGHT = 16;

    private final TopologyFeed feed;
    private final int maxMessageBytes;
    private final Semaphore permits = new Semaphore(SNAPSHOTS_IN_FLIGHT);
    private final Queue<Stream> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Encoded> lastSnapshot = new AtomicReference<>();
    /**
     * The last few deltas encoded, newest first: streams behind by different amounts get different merged deltas, and
     * one slot would make streams of two positions, woken in turn, encode each other's out.
     */
    private final Encoded[] recentDeltas = new Encoded[RECENT_DELTAS]; // guarded by itself
    static final int RECENT_DELTAS = 8;

    /** {@code message} is null when the event is over the size limit. */
    private record Encoded(TopologyEvent event, EncodedEvent message, int bytes) {}

    TopologyStreams(TopologyFeed feed, int maxMessageBytes) {
        this.feed = feed;
        this.maxMessageBytes = maxMessageBytes;
    }

    void serve(String watcher, long resumeRevision, ServerCallStreamObserver<EncodedEvent> call) {
        Stream stream = new Stream(watcher, call);
        call.setOnReadyHandler(stream::drain);
        call.setOnCancelHandler(stream::cancelled);
        try {
            stream.subscription = feed.subscribe(watcher, resumeRevision, stream);
        } catch (RuntimeException e) {
            call.onError(GrpcErrors.toStatus("WatchTopology " + watcher, e));
            return;
        }
        if (call.isCancelled()) {
            stream.cancelled();
        }
        stream.drain();
    }

    private Encoded encode(TopologyEvent event) {
        Encoded cached = event.isSnapshot() ? lastSnapshot.get() : recentDelta(event);
        if (cached != null && cached.event() == event) {
            return cached;
        }
        io.ovsfabric.proto.v1.TopologyEvent proto = ProtoMapper.event(event);
        int size = proto.getSerializedSize();
        // an oversized event is never sent: not worth serializing
        Encoded encoded = new Encoded(event, size > maxMessageBytes ? null : new EncodedEvent(proto), size);
        if (event.isSnapshot()) {
            lastSnapshot.set(encoded);
        } else {
            rememberDelta(encoded);
        }
        if (event.isSnapshot() && encoded.bytes() > maxMessageBytes) {
            log.error("the topology snapshot at revision {} is {} bytes ({} hosts, {} networks, {} endpoints), over the {}"
                    + " byte message limit: watchers that need a snapshot are refused until the fabric is smaller",
                    event.revision(), encoded.bytes(), event.snapshot().hosts().size(), event.snapshot().networks().size(),
                    event.snapshot().endpoints().size(), maxMessageBytes);
        }
        return encoded;
    }

    private Encoded recentDelta(TopologyEvent event) {
        synchronized (recentDeltas) {
            for (Encoded e : recentDeltas) {
                if (e != null && e.event() == event) {
                    return e;
                }
            }
            return null;
        }
    }

    private void rememberDelta(Encoded encoded) {
        synchronized (recentDeltas) {
            System.arraycopy(recentDeltas, 0, recentDeltas, 1, recentDeltas.length - 1);
            recentDeltas[0] = encoded;
        }
    }

    /** Frees a snapshot permit and hands free permits to waiting streams (one that is not ready passes it on). */
    private void releasePermit() {
        permits.release();
        while (permits.availablePermits() > 0) {
            Stream next = waiting.poll();
            if (next == null) {
                return;
            }
            next.drain();
        }
    }

    /** One call. Everything that touches the call runs inside {@link #drain}, one thread at a time. */
    private final class Stream implements TopologyFeed.Sink {
        private final String watcher;
        private final ServerCallStreamObserver<EncodedEvent> call;
        private final AtomicInteger work = new AtomicInteger();
        private volatile TopologyFeed.Subscription subscription;
        private volatile boolean cancelled;
        private volatile FabricException failure;
        // drainer only
        private boolean ended;
        private boolean holdsPermit;
        private TopologyEvent held;

        Stream(String watcher, ServerCallStreamObserver<EncodedEvent> call) {
            this.watcher = watcher;
            this.call = call;
        }

        @Override
        public void onAvailable() {
            drain();
        }

        @Override
        public void onError(FabricException error) {
            failure = error;
            drain();
        }

        void cancelled() {
            cancelled = true;
            TopologyFeed.Subscription s = subscription;
            if (s != null) {
                s.close();
            }
            waiting.remove(this);
            drain();
        }

        void drain() {
            if (work.getAndIncrement() != 0) {
                return;
            }
            int missed = 1;
            do {
                try {
                    drainOnce();
                } catch (RuntimeException e) {
                    log.warn("topology stream to {} failed: {}", watcher, e.toString());
                    end(Status.INTERNAL.withDescription("topology stream failed: " + e.getMessage()));
                }
                missed = work.addAndGet(-missed);
            } while (missed != 0);
        }

        private void drainOnce() {
            if (ended || subscription == null) {
                return;
            }
            if (cancelled) {
                end(null);
                return;
            }
            if (failure != null) {
                end(GrpcErrors.toStatus("WatchTopology " + watcher, failure).getStatus());
                return;
            }
            while (call.isReady()) {
                if (holdsPermit) {
                    holdsPermit = false; // the last snapshot has left the transport's buffer
                    releasePermit();
                }
                TopologyEvent event = held != null ? held : subscription.next();
                held = null;
                if (event == null) {
                    return;
                }
                if (event.isSnapshot() && !permits.tryAcquire()) {
                    held = event;
                    waiting.add(this);
                    if (!permits.tryAcquire()) {
                        return; // a stream that releases a permit drains this one
                    }
                    waiting.remove(this);
                }
                if (event.isSnapshot()) {
                    holdsPermit = true;
                }
                Encoded encoded = encode(event);
                if (encoded.bytes() > maxMessageBytes) {
                    if (!event.isSnapshot()) {
                        subscription.resync();
                        continue;
                    }
                    end(Status.RESOURCE_EXHAUSTED.withDescription("the topology snapshot at revision " + event.revision()
                            + " is " + encoded.bytes() + " bytes (" + event.snapshot().hosts().size() + " hosts, "
                            + event.snapshot().networks().size() + " networks, " + event.snapshot().endpoints().size()
                            + " endpoints), over the " + maxMessageBytes + " byte gRPC message limit of the fabric's"
                            + " clients: the controller cannot send it; release endpoints or split large networks"));
                    return;
                }
                call.onNext(encoded.message());
            }
        }

        private void end(Status status) {
            ended = true;
            TopologyFeed.Subscription s = subscription;
            if (s != null) {
                s.close();
            }
            waiting.remove(this);
            if (holdsPermit) {
                holdsPermit = false;
                releasePermit();
            }
            if (status != null && !cancelled) {
                call.onError(status.asRuntimeException());
            }
        }
    }
}
