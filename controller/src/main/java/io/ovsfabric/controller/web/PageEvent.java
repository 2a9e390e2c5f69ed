package io.ovsfabric.controller.web;

/**
 * One line of the page's "recent events": something that changed in the fabric, as the controller saw it.
 *
 * @param atMs  when this controller saw it (wall clock, ms)
 * @param kind  host-new, host-up, host-down, host-left, host-removed, host-moved, network-new, network-removed,
 *              endpoint-new, endpoint-removed, info (the page colours by it)
 * @param text  the sentence shown
 */
public record PageEvent(long atMs, String kind, String text) {
}
