package io.ovsfabric.controller.store;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.common.Ipv4Address;
import java.util.Optional;

/**
 * The etcd key layout, in one table. Package-private: each repository of this package uses only its own aggregate's
 * keys (see {@link FabricStore}); nothing outside the store package builds a key. Everything lives under a versioned prefix (default {@code /ovsfabric/v1/}):
 * <pre>
 * config                          the fabric plan (JSON), created once
 * subnets/&lt;net&gt;-&lt;len&gt;             subnet claim -&gt; {"hostId":..}, created only if absent
 * hosts/&lt;host-id&gt;                  host record (subnet, underlay IP, capabilities, down-since)
 * live/&lt;host-id&gt;                   bound to the host's lease: exists while the host is alive
 * leader/&lt;lease-hex&gt;               controller leader election (etcd election recipe)
 * network-guard                   touched by every network create/delete (serializes overlap checks)
 * networks/&lt;network-id&gt;           user network (name, subnet, gateway, tunnel key)
 * network-deleting/&lt;network-id&gt;   exists while a delete is in progress (allocations then fail)
 * network-names/&lt;name&gt;            -&gt; network id (unique names)
 * tunnel-keys/&lt;key&gt;               -&gt; network id (unique GRE keys)
 * addresses/&lt;network-id&gt;/&lt;ip&gt;     endpoint holding the address (created only if absent)
 * handles/&lt;network-id&gt;/&lt;endpoint&gt; -&gt; address (one address per allocation handle)
 * reports/&lt;host-id&gt;                what the host last reported having (for ipam check), bound to its lease
 * tunnel-health/&lt;host-id&gt;          the host's last tunnel probe report, bound to its lease (outside the watch)
 * </pre>
 */
final class KeyLayout {
    static final String DEFAULT_PREFIX = FabricStore.DEFAULT_PREFIX;

    enum Kind { CONFIG, SUBNET, HOST, LIVE, LEADER, NETWORK_GUARD, NETWORK, NETWORK_DELETING, NETWORK_NAME, TUNNEL_KEY, ADDRESS, HANDLE, REPORT, TUNNEL_HEALTH }

    /** A key under the prefix, split into its kind and its one or two name parts. */
    record ParsedKey(Kind kind, String first, String second) {}

    private final String root;

    KeyLayout(String prefix) {
        if (prefix == null || !prefix.startsWith("/") || prefix.contains("//") || prefix.isBlank()) {
            throw new InvalidInputException("--key-prefix '" + prefix + "' must be an absolute path such as " + DEFAULT_PREFIX);
        }
        this.root = prefix.endsWith("/") ? prefix : prefix + "/";
    }

    String root() {
        return root;
    }

    String config() {
        return root + "config";
    }

    String subnetsPrefix() {
        return root + "subnets/";
    }

    String subnet(Cidr subnet) {
        return subnetsPrefix() + subnet.keyForm();
    }

    String hostsPrefix() {
        return root + "hosts/";
    }

    String host(HostId id) {
        return hostsPrefix() + id;
    }

    String livePrefix() {
        return root + "live/";
    }

    String live(HostId id) {
        return livePrefix() + id;
    }

    /** The etcd election name; candidates' keys are {@code leader/<lease>}. */
    String election() {
        return root + "leader";
    }

    String networkGuard() {
        return root + "network-guard";
    }

    String networksPrefix() {
        return root + "networks/";
    }

    String network(String networkId) {
        return networksPrefix() + networkId;
    }

    String networkDeleting(String networkId) {
        return root + "network-deleting/" + networkId;
    }

    String tunnelKeysPrefix() {
        return root + "tunnel-keys/";
    }

    String networkName(String name) {
        return root + "network-names/" + name;
    }

    String tunnelKey(long key) {
        return root + "tunnel-keys/" + key;
    }

    String addressesPrefix() {
        return root + "addresses/";
    }

    String addressesPrefix(String networkId) {
        return addressesPrefix() + networkId + "/";
    }

    String address(String networkId, Ipv4Address address) {
        return addressesPrefix(networkId) + address;
    }

    String handlesPrefix(String networkId) {
        return root + "handles/" + networkId + "/";
    }

    String handle(String networkId, String endpointId) {
        return handlesPrefix(networkId) + endpointId;
    }

    /** Join tokens' records (hash only): outside the watched topology range, which ends at reports/. */
    String tokensPrefix() {
        return root + "tokens/";
    }

    String token(String id) {
        return tokensPrefix() + id;
    }

    String reportsPrefix() {
        return root + "reports/";
    }

    String report(HostId id) {
        return reportsPrefix() + id.value();
    }

    /** Tunnel probe reports: after reports/, so outside the watched topology range. */
    String tunnelHealthPrefix() {
        return root + "tunnel-health/";
    }

    String tunnelHealth(HostId id) {
        return tunnelHealthPrefix() + id.value();
    }

    /** Classifies a key read or watched under the root; empty for keys this version does not know. */
    Optional<ParsedKey> parse(String key) {
        if (!key.startsWith(root)) {
            return Optional.empty();
        }
        String rest = key.substring(root.length());
        if (rest.equals("config")) {
            return Optional.of(new ParsedKey(Kind.CONFIG, "", ""));
        }
        if (rest.equals("network-guard")) {
            return Optional.of(new ParsedKey(Kind.NETWORK_GUARD, "", ""));
        }
        int slash = rest.indexOf('/');
        if (slash <= 0) {
            return Optional.empty();
        }
        String dir = rest.substring(0, slash);
        String name = rest.substring(slash + 1);
        Kind kind = switch (dir) {
            case "subnets" -> Kind.SUBNET;
            case "hosts" -> Kind.HOST;
            case "live" -> Kind.LIVE;
            case "leader" -> Kind.LEADER;
            case "networks" -> Kind.NETWORK;
            case "network-names" -> Kind.NETWORK_NAME;
            case "network-deleting" -> Kind.NETWORK_DELETING;
            case "tunnel-keys" -> Kind.TUNNEL_KEY;
            case "addresses" -> Kind.ADDRESS;
            case "handles" -> Kind.HANDLE;
            case "reports" -> Kind.REPORT;
            case "tunnel-health" -> Kind.TUNNEL_HEALTH;
            default -> null;
        };
        if (kind == null || name.isEmpty()) {
            return Optional.empty();
        }
        if (kind == Kind.ADDRESS || kind == Kind.HANDLE) {
            int inner = name.indexOf('/');
            if (inner <= 0 || inner == name.length() - 1) {
                return Optional.empty();
            }
            return Optional.of(new ParsedKey(kind, name.substring(0, inner), name.substring(inner + 1)));
        }
        return Optional.of(new ParsedKey(kind, name, ""));
    }
}
