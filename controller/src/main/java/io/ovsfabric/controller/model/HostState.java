package io.ovsfabric.controller.model;

public enum HostState {
    /** Holds a live lease; peers tunnel to it. */
    UP,
    /** Lease expired or revoked; its subnet stays reserved to it until the grace period ends. */
    DOWN,
    /** Reserved by an admin before first boot; never registered yet. */
    RESERVED
}
