package io.ovsfabric.common.rpc;

import io.ovsfabric.common.InvalidInputException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The controllers a client may talk to, as given by {@code --controller a:7070,b:7070,...}. Each entry is
 * {@code HOST:PORT}; a HOST that is a DNS name may resolve to several controllers, and every address counts.
 */
public record ControllerTargets(List<Target> targets) {
    /** One {@code HOST:PORT} entry as the user wrote it. */
    public record Target(String host, int port) {
        @Override
        public String toString() {
            return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        }
    }

    public ControllerTargets {
        if (targets.isEmpty()) {
            throw new InvalidInputException("at least one controller address is required (--controller HOST:PORT)");
        }
        targets = List.copyOf(targets);
    }

    /**
     * Parses {@code "a:7070,b:7070"}; also {@code [::1]:7070}. Every problem is reported at once.
     *
     * @throws InvalidInputException naming each bad entry and the expected form
     */
    public static ControllerTargets parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("--controller is empty: give HOST:PORT[,HOST:PORT...], e.g. 10.0.0.2:7070");
        }
        List<Target> targets = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String raw : text.split(",", -1)) {
            String entry = raw.strip();
            try {
                targets.add(parseOne(entry));
            } catch (InvalidInputException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException("--controller " + text + ": " + String.join("; ", problems));
        }
        return new ControllerTargets(targets);
    }

    private static Target parseOne(String entry) {
        if (entry.isEmpty()) {
            throw new InvalidInputException("an empty entry (two commas, or a trailing comma)");
        }
        String host;
        String port;
        if (entry.startsWith("[")) {
            int close = entry.indexOf("]:");
            if (close < 0) {
                throw new InvalidInputException("'" + entry + "' is not [IPv6]:PORT");
            }
            host = entry.substring(1, close);
            port = entry.substring(close + 2);
        } else {
            int colon = entry.lastIndexOf(':');
            if (colon <= 0 || entry.indexOf(':') != colon) {
                throw new InvalidInputException("'" + entry + "' is not HOST:PORT (e.g. 10.0.0.2:7070)");
            }
            host = entry.substring(0, colon);
            port = entry.substring(colon + 1);
        }
        int number;
        try {
            number = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            number = -1;
        }
        if (number < 1 || number > 65535) {
            throw new InvalidInputException("'" + entry + "' has port '" + port + "': use 1-65535");
        }
        return new Target(host, number);
    }

    /**
     * Every address of every entry, in the order given (duplicates once). A name that does not resolve is skipped
     * while another entry resolves; when none does, the exception names them all.
     */
    public List<InetSocketAddress> resolve() throws UnknownHostException {
        Set<InetSocketAddress> addresses = new LinkedHashSet<>();
        List<String> unresolved = new ArrayList<>();
        for (Target target : targets) {
            try {
                for (InetAddress address : InetAddress.getAllByName(target.host())) {
                    addresses.add(new InetSocketAddress(address, target.port()));
                }
            } catch (UnknownHostException e) {
                unresolved.add(target.host());
            }
        }
        if (addresses.isEmpty()) {
            throw new UnknownHostException("no controller address resolves: " + String.join(", ", unresolved));
        }
        return List.copyOf(addresses);
    }

    @Override
    public String toString() {
        return String.join(",", targets.stream().map(Target::toString).toList());
    }
}
