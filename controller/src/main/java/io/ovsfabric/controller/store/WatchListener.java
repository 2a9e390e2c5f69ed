package io.ovsfabric.controller.store;

import io.ovsfabric.controller.FabricException;
import java.util.List;

/** Receives a watch's events; calls are never concurrent for one watch. */
public interface WatchListener {

    /** All events of one store revision, in the order they were applied. */
    void onEvents(long revision, List<KvEvent> events);

    /** Every event up to {@code revision} has been delivered (an answer to {@link KvStore#requestProgress}). */
    default void onProgress(long revision) {}

    /** The requested start revision was compacted; the watch has ended. Start over from a fresh read. */
    void onCompacted(long compactRevision);

    /** The watch failed for another reason and has ended. */
    void onError(FabricException error);
}
