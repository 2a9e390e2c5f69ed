package io.ovsfabric.agent.docker.protocol;

import java.util.Optional;

/**
 * One HTTP answer: status and JSON body; {@code refused} when the body carries an error, and the unexpected
 * exception behind an "internal error" reply (for the server's log; bad or out-of-order calls carry none).
 */
public record PluginReply(int status, String json, boolean refused, Optional<Throwable> unexpected) {}
