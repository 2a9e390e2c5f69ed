package io.ovsfabric.agent.plan;

import java.util.List;
import java.util.Map;

/**
 * A container endpoint's port on the integration bridge, as the Docker plugin tagged it (Interface external_ids).
 * The plugin creates and deletes these ports; the data plane only writes flows for them.
 *
 * @param ofport     the OpenFlow port number vswitchd gave it
 * @param networkId  the fabric network ({@value #NETWORK_KEY})
 * @param endpointId the controller's endpoint id, i.e. the allocation handle ({@value #ENDPOINT_KEY}), or ""
 * @param mac        the container side's MAC ({@value #MAC_KEY}), or ""
 */
public record EndpointPort(String name, int ofport, String networkId, String endpointId, String mac) {
    public static final String NETWORK_KEY = "ovsfabric-network";
    public static final String ENDPOINT_KEY = "ovsfabric-endpoint";
    public static final String MAC_KEY = "attached-mac";
    public static final String DOCKER_ENDPOINT_KEY = "ovsfabric-docker-endpoint";

    /** The endpoint ports of a bridge: tagged with a network and holding a working OpenFlow port. */
    public static List<EndpointPort> on(ObservedBridge bridge) {
        return bridge.ports().stream()
                .filter(p -> p.interfaceIds().containsKey(NETWORK_KEY) && !p.failed() && p.ofport() > 0)
                .map(EndpointPort::of)
                .toList();
    }

    static EndpointPort of(ObservedPort port) {
        Map<String, String> ids = port.interfaceIds();
        return new EndpointPort(port.name(), (int) port.ofport(), ids.get(NETWORK_KEY),
                ids.getOrDefault(ENDPOINT_KEY, ""), ids.getOrDefault(MAC_KEY, ""));
    }
}
