package io.ovsfabric.agent.docker.link;

import io.ovsfabric.agent.docker.PluginException;

import java.util.LinkedHashMap;
import java.util.Map;

/** In-memory host links; ensureLink can be told to fail (all-or-nothing, like the real one). */
public final class FakeEndpointPlumbing implements EndpointPlumbing {
    private final Map<String, EndpointLink> links = new LinkedHashMap<>();
    private boolean failNextEnsure;
    private boolean failNextRemove;

    public synchronized void failNextEnsure() {
        failNextEnsure = true;
    }

    public synchronized void failNextRemove() {
        failNextRemove = true;
    }

    public synchronized Map<String, EndpointLink> links() {
        return Map.copyOf(links);
    }

    @Override
    public synchronized void ensureLink(EndpointLink link) {
        if (failNextEnsure) {
            failNextEnsure = false;
            throw PluginException.failed("fake plumbing: injected failure attaching " + link.hostInterface(), null);
        }
        links.put(link.hostInterface(), link);
    }

    @Override
    public synchronized void removeLink(EndpointLink link) {
        if (failNextRemove) {
            failNextRemove = false;
            throw PluginException.failed("fake plumbing: injected failure removing " + link.hostInterface(), null);
        }
        links.remove(link.hostInterface());
    }
}
