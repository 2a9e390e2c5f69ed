package io.ovsfabric.agent.docker.link;

/**
 * Creates and removes endpoint veth pairs on the host. Failures are
 * {@link io.ovsfabric.agent.docker.PluginException}s (a failed command keeps argv, exit code and stderr).
 */
public interface EndpointPlumbing {

    /**
     * Makes the pair exist as described: both ends with the MTU (and the container end with the MAC), the host end
     * up and attached to the bridge with the external ids. Idempotent. All-or-nothing: when it fails it removes
     * what it created before throwing.
     */
    void ensureLink(EndpointLink link);

    /** Removes the pair and its bridge port. Removing what is absent succeeds. */
    void removeLink(EndpointLink link);
}
