package io.ovsfabric.agent.plan;

import java.util.Map;

/**
 * A port as OVSDB shows it, merged with its (single) interface.
 *
 * @param ofport      the OpenFlow port number vswitchd assigned; -1 when it failed, 0 when not assigned yet
 * @param error       Interface.error: why vswitchd could not add it (e.g. "could not open network device"), or ""
 * @param externalIds the Port row's external_ids (our ownership mark for ports the data plane creates)
 * @param interfaceIds the Interface row's external_ids (where the Docker plugin tags endpoint ports)
 */
public record ObservedPort(String name, String type, Map<String, String> options, long ofport, Integer ofportRequest,
        Integer mtuRequest, String error, Map<String, String> externalIds, Map<String, String> interfaceIds) {

    public ObservedPort {
        options = Map.copyOf(options);
        externalIds = Map.copyOf(externalIds);
        interfaceIds = interfaceIds == null ? Map.of() : Map.copyOf(interfaceIds);
        error = error == null ? "" : error;
    }

    public ObservedPort(String name, String type, Map<String, String> options, long ofport, Integer ofportRequest,
            Integer mtuRequest, String error, Map<String, String> externalIds) {
        this(name, type, options, ofport, ofportRequest, mtuRequest, error, externalIds, Map.of());
    }

    public boolean owned() {
        return Ownership.owns(externalIds);
    }

    public boolean failed() {
        return !error.isEmpty() || ofport < 0;
    }
}
