package io.ovsfabric.agent.docker.protocol;

import java.util.Optional;

/**
 * One HTTP answer: status, JSON body, and the unexpected exception behind an "internal error" reply (for the
 * server's log; refusals of bad or out-of-order calls carry none).
 */
public record PluginReply(int status, String json, Optional<Throwable> unexpected) {
    public boolean isError() {
        return status != 200 || json.contains("\"Err\":") || json.contains("\"Error\":");
    }
}
