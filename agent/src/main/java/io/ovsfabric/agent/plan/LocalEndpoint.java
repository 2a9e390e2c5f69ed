package io.ovsfabric.agent.plan;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A container endpoint on a user network that this host must plumb: a veth pair whose host end is a port of the
 * integration bridge tagged with the endpoint's ids, and whose container end Docker moves into the sandbox (and
 * renames) once Join has answered. An input of the desired host state, from the Docker plugin's state.
 *
 * @param hostInterface      the veth end that stays on the host (a port of br0): {@link #HOST_PREFIX} + id
 * @param containerInterface the end Docker moves into the sandbox: {@link #CONTAINER_PREFIX} + id
 * @param mac                the container end's MAC, lowercase colon form
 * @param fabricNetworkId    the fabric network the address belongs to
 * @param handle             the controller's allocation handle of the address (its endpoint id)
 * @param dockerNetworkId    Docker's network id
 * @param dockerEndpointId   Docker's endpoint id
 */
public record LocalEndpoint(String hostInterface, String containerInterface, String mac, String fabricNetworkId,
        String handle, String dockerNetworkId, String dockerEndpointId) {

    /** Host ends of endpoint veths start with this. */
    public static final String HOST_PREFIX = "ofxh";
    /** Container ends of endpoint veths start with this (until Docker renames them inside the sandbox). */
    public static final String CONTAINER_PREFIX = "ofxc";
    /** Interface external_ids key of the Docker network id (the other keys are in {@link EndpointPort}). */
    public static final String DOCKER_NETWORK_KEY = "ovsfabric-docker-network";
    private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");
    private static final int ID_CHARS = 11;

    public LocalEndpoint {
        Objects.requireNonNull(hostInterface, "hostInterface");
        Objects.requireNonNull(containerInterface, "containerInterface");
        Objects.requireNonNull(fabricNetworkId, "fabricNetworkId");
        Objects.requireNonNull(handle, "handle");
        Objects.requireNonNull(dockerNetworkId, "dockerNetworkId");
        Objects.requireNonNull(dockerEndpointId, "dockerEndpointId");
        if (mac == null || !MAC.matcher(mac).matches()) {
            throw new IllegalArgumentException("'" + mac + "' is not a MAC address in lowercase colon form");
        }
    }

    /** The veth names of a Docker endpoint: the prefixes followed by the first 11 characters of its id. */
    public static String hostInterfaceOf(String dockerEndpointId) {
        return HOST_PREFIX + idPart(dockerEndpointId);
    }

    public static String containerInterfaceOf(String dockerEndpointId) {
        return CONTAINER_PREFIX + idPart(dockerEndpointId);
    }

    private static String idPart(String id) {
        String clean = id.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        return clean.substring(0, Math.min(ID_CHARS, clean.length()));
    }

    /** Whether a Linux link name is one of an endpoint veth's ends. */
    public static boolean isEndpointLink(String name) {
        return name.startsWith(HOST_PREFIX) || name.startsWith(CONTAINER_PREFIX);
    }

    /** The host end's Interface external_ids: what {@link EndpointPort} and `ipam check` read back. */
    public Map<String, String> interfaceIds(Map<String, String> marks) {
        Map<String, String> ids = new java.util.LinkedHashMap<>(marks);
        ids.put(EndpointPort.NETWORK_KEY, fabricNetworkId);
        ids.put(EndpointPort.ENDPOINT_KEY, handle);
        ids.put(DOCKER_NETWORK_KEY, dockerNetworkId);
        ids.put(EndpointPort.DOCKER_ENDPOINT_KEY, dockerEndpointId);
        ids.put(EndpointPort.MAC_KEY, mac);
        return Map.copyOf(ids);
    }
}
