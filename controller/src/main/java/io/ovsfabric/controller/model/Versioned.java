package io.ovsfabric.controller.model;

/** A stored value with the etcd mod revision it was read at (the basis of compare-and-swap). */
public record Versioned<T>(T value, long modRevision) {}
