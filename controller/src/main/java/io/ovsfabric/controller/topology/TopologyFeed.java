package io.ovsfabric.controller.topology;

import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.store.KvStore;
import io.ovsfabric.controller.store.TopologyRepository;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Topology streams for watchers: a snapshot read at revision R then every change from R+1 on, in etcd order, each
 * event carrying the revision it brings the watcher to. A watcher resuming from revision N gets exactly the changes
 * after N (the state at N is re-read to translate them); if N was compacted it gets a fresh snapshot instead.
 */
public final class TopologyFeed {
    private static final Logger log = LoggerFactory.getLogger(TopologyFeed.class);

    private final TopologyRepository store;
    private final Duration grace;

    /** Receives one watcher's events; never called concurrently. */
    public interface Sink {
        void onEvent(TopologyEvent event);

        /** The stream ended (etcd watch failure); the watcher should reconnect with its last revision. */
        void onError(FabricException error);
    }

    public TopologyFeed(TopologyRepository store, Duration grace) {
        this.store = store;
        this.grace = grace;
    }

    /** Starts a stream; close the returned subscription when the watcher goes away. */
    public Subscription subscribe(String watcher, long resumeRevision, Sink sink) {
        Subscription subscription = new Subscription(watcher, sink);
        subscription.begin(resumeRevision);
        return subscription;
    }

    public final class Subscription implements AutoCloseable, TopologyRepository.Listener {
        private final String watcher;
        private final Sink sink;
        private TopologyState state;
        private KvStore.WatchHandle watch;
        private boolean closed;

        private Subscription(String watcher, Sink sink) {
            this.watcher = watcher;
            this.sink = sink;
        }

        private synchronized void begin(long resumeRevision) {
            if (resumeRevision > 0) {
                try {
                    TopologyRepository.Snapshot atResume = store.readAt(resumeRevision);
                    state = new TopologyState(grace);
                    state.load(atResume.entries());
                    log.info("topology watcher {} resumes after revision {}", watcher, resumeRevision);
                    startWatch(resumeRevision + 1);
                    return;
                } catch (FabricException e) {
                    if (e.code() != FabricException.Code.COMPACTED) {
                        throw e;
                    }
                    log.info("topology watcher {} asked to resume after revision {}, which etcd no longer has: sending a"
                            + " fresh snapshot", watcher, resumeRevision);
                }
            }
            sendSnapshot();
        }

        private void sendSnapshot() {
            TopologyRepository.Snapshot range = store.read();
            state = new TopologyState(grace);
            state.load(range.entries());
            TopologyEvent.Snapshot snapshot = state.snapshot();
            log.info("topology watcher {} gets a snapshot at revision {} ({} hosts, {} networks, {} endpoints)", watcher,
                    range.revision(), snapshot.hosts().size(), snapshot.networks().size(), snapshot.endpoints().size());
            sink.onEvent(TopologyEvent.snapshot(range.revision(), snapshot));
            startWatch(range.revision() + 1);
        }

        private void startWatch(long fromRevision) {
            watch = store.watch(fromRevision, this);
        }

        @Override
        public synchronized void onEntries(long revision, List<TopologyRepository.Entry> entries) {
            if (closed) {
                return;
            }
            List<TopologyChange> changes = state.apply(entries);
            if (!changes.isEmpty()) {
                sink.onEvent(TopologyEvent.delta(revision, changes));
            }
        }

        @Override
        public synchronized void onCompacted(long compactRevision) {
            if (closed) {
                return;
            }
            log.info("topology watch for {} fell behind etcd compaction (revision {}): sending a fresh snapshot", watcher, compactRevision);
            closeWatch();
            try {
                sendSnapshot();
            } catch (FabricException e) {
                onError(e);
            }
        }

        @Override
        public synchronized void onError(FabricException error) {
            if (closed) {
                return;
            }
            log.warn("topology watch for {} failed: {}; the watcher must reconnect", watcher, error.getMessage());
            closed = true;
            closeWatch(); // on the watch's own callback thread: safe to close it here
            sink.onError(error);
        }

        /**
         * Stops the stream. The watch is closed outside this subscription's lock: the store's watch thread may be
         * delivering a callback that waits for this lock while holding the store's own.
         */
        @Override
        public void close() {
            KvStore.WatchHandle handle;
            synchronized (this) {
                closed = true;
                handle = watch;
                watch = null;
            }
            if (handle != null) {
                handle.close();
            }
        }

        private void closeWatch() {
            if (watch != null) {
                watch.close();
                watch = null;
            }
        }
    }
}
