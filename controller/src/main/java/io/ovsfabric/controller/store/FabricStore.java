package io.ovsfabric.controller.store;

import io.ovsfabric.common.InvalidInputException;

/**
 * The fabric's data in etcd, one repository per aggregate, all over one {@link KvStore} and one key prefix:
 * <pre>
 * repository            keys (under the prefix)                                   invariant it keeps
 * ConfigRepository      config                                                    the plan is written once
 * HostRepository        subnets/, hosts/, live/ (+ the leases live keys use)      one host per subnet
 * NetworkRepository     network-guard, networks/, network-names/, tunnel-keys/,   unique names and GRE keys,
 *                       network-deleting/                                         serialized overlap checks
 * EndpointRepository    addresses/, handles/                                      one holder per address and handle
 * ReportRepository      reports/                                                  bound to the host's lease
 * TunnelHealthRepository tunnel-health/                                           bound to the host's lease
 * TopologyRepository    reads and watches the plan, hosts, live, networks and addresses, decoded (never writes)
 * </pre>
 * A transaction that spans two aggregates is one method of the repository that owns the invariant, taking the
 * other's {@link TxnPart} ({@link EndpointRepository#allocate} with {@link NetworkRepository#open};
 * {@link NetworkRepository#delete} with {@link EndpointRepository#everythingIn}). {@code leader/} belongs to the
 * election ({@link #electionName()}).
 */
public final class FabricStore {
    public static final String DEFAULT_PREFIX = "/ovsfabric/v1/";

    private final KeyLayout keys;
    private final ConfigRepository config;
    private final HostRepository hosts;
    private final NetworkRepository networks;
    private final EndpointRepository endpoints;
    private final ReportRepository reports;
    private final TunnelHealthRepository tunnelHealth;
    private final TopologyRepository topology;
    private final WatchCache cache;
    private final JoinTokenRepository tokens;

    /** INVALID for a prefix that is not an absolute path. */
    public FabricStore(KvStore kv, String keyPrefix) {
        this.keys = new KeyLayout(keyPrefix);
        JsonCodec codec = new JsonCodec();
        SeenRevisions store = new SeenRevisions(kv);
        this.config = new ConfigRepository(store, keys, codec);
        this.topology = new TopologyRepository(store, keys, codec);
        this.cache = new WatchCache(store, keys, codec, topology, store);
        this.hosts = new HostRepository(store, keys, codec, cache);
        this.networks = new NetworkRepository(store, keys, codec, cache);
        this.endpoints = new EndpointRepository(store, keys, codec, cache);
        this.reports = new ReportRepository(store, keys, codec);
        this.tunnelHealth = new TunnelHealthRepository(store, keys, codec);
        this.tokens = new JoinTokenRepository(store, keys, codec);
    }

    /**
     * The controller's one watch of the topology keys. Until {@link WatchCache#start()} is called (unit tests,
     * tools) every repository reads etcd directly; once started, hot whole-prefix reads come from it.
     */
    public WatchCache cache() {
        return cache;
    }

    /** Throws {@link InvalidInputException} when {@code keyPrefix} cannot hold a fabric. */
    public static void checkPrefix(String keyPrefix) {
        new KeyLayout(keyPrefix);
    }

    /** The prefix, ending in '/'. */
    public String root() {
        return keys.root();
    }

    /** The etcd election name; candidates' keys are {@code leader/<lease>}. */
    public String electionName() {
        return keys.election();
    }

    public ConfigRepository config() {
        return config;
    }

    public HostRepository hosts() {
        return hosts;
    }

    public NetworkRepository networks() {
        return networks;
    }

    public EndpointRepository endpoints() {
        return endpoints;
    }

    public TunnelHealthRepository tunnelHealth() {
        return tunnelHealth;
    }

    public ReportRepository reports() {
        return reports;
    }

    public JoinTokenRepository tokens() {
        return tokens;
    }

    public TopologyRepository topology() {
        return topology;
    }
}
