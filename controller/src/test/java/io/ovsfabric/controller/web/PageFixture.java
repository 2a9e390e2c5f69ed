package io.ovsfabric.controller.web;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.controller.model.EndpointRecord;
import io.ovsfabric.controller.model.FabricPlan;
import io.ovsfabric.controller.model.HostRecord;
import io.ovsfabric.controller.model.HostView;
import io.ovsfabric.controller.model.NetworkRecord;
import java.time.Duration;
import java.util.Map;

/** Records for the page's tests. */
final class PageFixture {
    static final Duration GRACE = Duration.ofMinutes(10);
    static final FabricPlan PLAN = new FabricPlan(Cidr.parse("10.200.0.0/16"), 24, 1, 1500, 42, 2, "f1", 1000, 10_000,
            600_000);

    private PageFixture() {
    }

    static HostRecord record(String id, int index) {
        return new HostRecord(new HostId(id), Ipv4Address.parse("192.0.2." + (10 + index)),
                Cidr.parse("10.200." + index + ".0/24"), Map.of("datapath", "netdev"), 1000, true, 2000, 0);
    }

    static HostView up(String id, int index) {
        return HostView.of(record(id, index), true, GRACE);
    }

    static HostView down(String id, int index) {
        return HostView.of(record(id, index).markedDown(5000), false, GRACE);
    }

    static HostView left(String id, int index) {
        return HostView.of(record(id, index).leftGracefully(5000), false, GRACE);
    }

    static NetworkRecord network(String name) {
        return new NetworkRecord("n-" + name, name, Cidr.parse("10.210.0.0/24"), Ipv4Address.parse("10.210.0.1"), 100,
                Map.of(), 3000);
    }

    static EndpointRecord endpoint(String network, String id, String host, String address, String container) {
        return new EndpointRecord("n-" + network, id, new HostId(host), Ipv4Address.parse(address), "02:00:00:00:00:01",
                "c-" + id, container, java.util.List.of(), 4000);
    }
}
