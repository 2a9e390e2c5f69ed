package io.ovsfabric.agent.ovs;

import io.ovsfabric.agent.AgentException;
import java.nio.file.Path;

/**
 * Where ovsdb-server listens, in OVS's own notation: {@code unix:/var/run/openvswitch/db.sock} or
 * {@code tcp:127.0.0.1:6640}. A unix socket is a file: it works across network namespaces (tests drive a
 * namespace's OVS from outside it); a TCP address on 127.0.0.1 only reaches the server of the caller's namespace.
 */
public record OvsdbTarget(String host, int port, Path socket) {

    public static final OvsdbTarget DEFAULT = unix(Path.of("/var/run/openvswitch/db.sock"));

    public static OvsdbTarget unix(Path socket) {
        return new OvsdbTarget(null, 0, socket);
    }

    public static OvsdbTarget tcp(String host, int port) {
        return new OvsdbTarget(host, port, null);
    }

    public static OvsdbTarget parse(String text) {
        String value = text == null ? "" : text.trim();
        if (value.startsWith("unix:") && value.length() > "unix:".length()) {
            return unix(Path.of(value.substring("unix:".length())));
        }
        if (value.startsWith("tcp:")) {
            int colon = value.lastIndexOf(':');
            if (colon > "tcp:".length()) {
                try {
                    int port = Integer.parseInt(value.substring(colon + 1));
                    if (port > 0 && port < 65536) {
                        return tcp(value.substring("tcp:".length(), colon), port);
                    }
                } catch (NumberFormatException e) {
                    // fall through to the message below
                }
            }
        }
        throw AgentException.invalid("OVSDB target '" + text + "' is neither unix:PATH nor tcp:HOST:PORT"
                + " (e.g. unix:/var/run/openvswitch/db.sock or tcp:127.0.0.1:6640)");
    }

    public boolean isUnix() {
        return socket != null;
    }

    @Override
    public String toString() {
        return isUnix() ? "unix:" + socket : "tcp:" + host + ":" + port;
    }
}
