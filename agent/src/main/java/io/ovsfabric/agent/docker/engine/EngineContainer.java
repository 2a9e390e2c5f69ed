package io.ovsfabric.agent.docker.engine;

import java.util.List;
import java.util.Map;

/** A container's name (without Docker's leading '/') and its attachments by network id. */
public record EngineContainer(String id, String name, Map<String, Attachment> attachments) {
    public EngineContainer {
        attachments = Map.copyOf(attachments);
    }

    public record Attachment(String networkId, String endpointId, List<String> aliases) {
        public Attachment {
            aliases = List.copyOf(aliases);
        }
    }
}
