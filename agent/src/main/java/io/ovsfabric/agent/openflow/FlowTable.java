package io.ovsfabric.agent.openflow;

import io.ovsfabric.agent.plan.Flow;
import java.util.List;

/**
 * The OpenFlow tables of the host's bridges. Only flows with the ovsfabric cookie tag are read or deleted; other
 * flows are never touched.
 */
public interface FlowTable extends AutoCloseable {

    /** The flows on {@code bridge} whose cookie carries the ovsfabric tag. */
    List<Flow> ownedFlows(String bridge);

    /**
     * Adds (or replaces: same table, priority and match) {@code addOrReplace}, then deletes {@code delete}, as one
     * batch closed by a barrier. Replacing is atomic per flow, so traffic keeps flowing. Throws with the switch's
     * errors; deleting an absent flow succeeds.
     */
    void apply(String bridge, List<Flow> addOrReplace, List<Flow> delete);

    /** Deletes every flow with the ovsfabric cookie tag from {@code bridge}. */
    void deleteOwned(String bridge);

    @Override
    void close();
}
