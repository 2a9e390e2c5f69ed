package io.ovsfabric.controller.store;

/** Whether a transaction's conditions held (and so its operations were applied), and the store revision after it. */
public record TxnResult(boolean succeeded, long revision) {}
