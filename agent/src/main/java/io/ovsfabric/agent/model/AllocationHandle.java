package io.ovsfabric.agent.model;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.common.HostId;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The name an address allocation carries in the controller: {@code <host>:<fabric network id>:<slot>}.
 * Docker asks for an address before it names the endpoint, so the slot is chosen by the agent (random) and the
 * Docker endpoint id is linked to it in the agent's state and in the OVS port's external_ids.
 */
public record AllocationHandle(HostId host, String networkId, String slot) {
    private static final Pattern SLOT = Pattern.compile("[a-z0-9]{1,32}");

    public AllocationHandle {
        Objects.requireNonNull(host, "host");
        if (networkId == null || networkId.isEmpty() || networkId.contains(":")) {
            throw AgentException.invalid("invalid fabric network id '" + networkId + "' in an allocation handle");
        }
        if (slot == null || !SLOT.matcher(slot).matches()) {
            throw AgentException.invalid("invalid allocation slot '" + slot + "': use 1-32 lowercase letters or digits");
        }
    }

    public static AllocationHandle parse(String text) {
        int first = text == null ? -1 : text.indexOf(':');
        int last = text == null ? -1 : text.lastIndexOf(':');
        if (first <= 0 || last == first) {
            throw AgentException.invalid("'" + text + "' is not an allocation handle (<host>:<network id>:<slot>)");
        }
        return new AllocationHandle(HostId.of(text.substring(0, first)), text.substring(first + 1, last),
                text.substring(last + 1));
    }

    @Override
    public String toString() {
        return host + ":" + networkId + ":" + slot;
    }
}
