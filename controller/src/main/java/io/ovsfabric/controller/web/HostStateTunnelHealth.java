package io.ovsfabric.controller.web;

import io.ovsfabric.controller.model.HostState;
import io.ovsfabric.controller.model.HostView;

/**
 * Tunnel health without probe reports: a tunnel with an end that is DOWN or has left is broken (nothing answers at
 * that end), one between two UP hosts is unknown (assumed to work: nothing measured it).
 */
final class HostStateTunnelHealth implements TunnelHealthSource {

    @Override
    public TunnelHealth tunnel(HostView host, HostView peer) {
        for (HostView end : new HostView[] {host, peer}) {
            if (end.record().left()) {
                return TunnelHealth.broken(end.record().hostId() + " has left");
            }
            if (end.state() != HostState.UP) {
                return TunnelHealth.broken(end.record().hostId() + " is " + end.state());
            }
        }
        return TunnelHealth.unknown("no probe reports: both ends UP");
    }
}
