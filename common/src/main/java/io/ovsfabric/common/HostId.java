package io.ovsfabric.common;

/**
 * A host's name in the fabric: a DNS label (lowercase letters, digits, '-'; 1-63 characters; no leading or
 * trailing '-'). It appears in etcd keys, OVS port names and logs, so anything else is refused.
 */
public record HostId(String value) implements Comparable<HostId> {
    public HostId {
        if (value == null || value.isEmpty()) {
            throw new InvalidInputException("a host id is required (a DNS label such as 'h1' or 'node-07')");
        }
        if (!isDnsLabel(value)) {
            throw new InvalidInputException("invalid host id '" + value + "': use 1-63 lowercase letters, digits or '-',"
                    + " starting and ending with a letter or digit (e.g. 'node-07')");
        }
    }

    /** [a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?, without a regex: every endpoint of every snapshot names its host. */
    private static boolean isDnsLabel(String value) {
        int n = value.length();
        if (n > 63 || value.charAt(0) == '-' || value.charAt(n - 1) == '-') {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    public static HostId of(String value) {
        return new HostId(value);
    }

    @Override
    public int compareTo(HostId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
