package io.ovsfabric.agent.plan;

import java.util.Map;

/**
 * A port the agent wants on an OVS bridge, with its one interface.
 *
 * @param type          OVSDB Interface.type: "" (a Linux device), "internal", "gre"
 * @param ofportRequest the OpenFlow port number to ask for, so flows can name it before it exists; null = any
 * @param mtuRequest    Interface.mtu_request; null = leave alone
 * @param externalIds   ownership marks, set on the Port row
 * @param interfaceIds  keys set on the Interface row's external_ids (an endpoint port's tags, {@link EndpointPort})
 */
public record PortSpec(String name, String type, Map<String, String> options, Integer ofportRequest,
        Integer mtuRequest, Map<String, String> externalIds, Map<String, String> interfaceIds) {

    public PortSpec {
        options = Map.copyOf(options);
        externalIds = Map.copyOf(externalIds);
        interfaceIds = interfaceIds == null ? Map.of() : Map.copyOf(interfaceIds);
    }

    public PortSpec(String name, String type, Map<String, String> options, Integer ofportRequest, Integer mtuRequest,
            Map<String, String> externalIds) {
        this(name, type, options, ofportRequest, mtuRequest, externalIds, Map.of());
    }
}
