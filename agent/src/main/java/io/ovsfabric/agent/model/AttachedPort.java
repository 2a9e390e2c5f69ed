package io.ovsfabric.agent.model;

/**
 * A container endpoint's port on the integration bridge, as OVSDB shows it now: the tags the Docker plugin put on
 * its interface. Fields the plugin did not set are "".
 *
 * @param handle the controller's allocation handle of the endpoint's address
 */
public record AttachedPort(String port, String networkId, String handle, String dockerEndpointId) {}
