package io.ovsfabric.controller.store;

import java.util.Optional;

/**
 * Which of the running controllers leads (runs the down-marking and reclaim sweeps). Any controller serves RPCs;
 * only the leader sweeps. Leadership can be lost at any time (lease expired, etcd unreachable): check
 * {@link #isLeader()} right before acting, and keep leader-only writes conditional (CAS) anyway.
 */
public interface LeaderElection extends AutoCloseable {

    /** Starts campaigning in the background; returns at once. */
    void start();

    boolean isLeader();

    /** The leading controller's id, if any controller leads. */
    Optional<String> leader();

    /** Resigns if leading and stops campaigning. */
    @Override
    void close();

    /** Stops without resigning, as a crash would (tests); the leadership lease then expires by itself. */
    void abandon();
}
