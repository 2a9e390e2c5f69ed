package io.ovsfabric.agent.dataplane;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.linux.CommandRunner;
import io.ovsfabric.agent.linux.HostNetwork;
import io.ovsfabric.agent.linux.IpHostNetwork;
import io.ovsfabric.agent.linux.IptablesPacketFilter;
import io.ovsfabric.agent.linux.PacketFilter;
import io.ovsfabric.agent.linux.ProcessCommandRunner;
import io.ovsfabric.agent.model.DataPlane;
import io.ovsfabric.agent.model.AttachedPort;
import io.ovsfabric.agent.model.Topology;
import io.ovsfabric.agent.openflow.FlowTable;
import io.ovsfabric.agent.openflow.OpenFlowFlowTable;
import io.ovsfabric.agent.ovs.OdlOvsDatabase;
import io.ovsfabric.agent.ovs.OvsDatabase;
import io.ovsfabric.agent.plan.Change;
import io.ovsfabric.agent.plan.Cookie;
import io.ovsfabric.agent.plan.DatapathMode;
import io.ovsfabric.agent.plan.DesiredHost;
import io.ovsfabric.agent.plan.EndpointPort;
import io.ovsfabric.agent.plan.HostDiff;
import io.ovsfabric.agent.plan.HostPlanner;
import io.ovsfabric.agent.plan.LocalEndpoints;
import io.ovsfabric.agent.plan.ObservedBridge;
import io.ovsfabric.agent.plan.ObservedHost;
import io.ovsfabric.agent.plan.ObservedPort;
import io.ovsfabric.agent.plan.Ownership;
import io.ovsfabric.agent.plan.PlanSettings;
import io.ovsfabric.agent.plan.PortTypes;
import io.ovsfabric.agent.plan.TeardownPlanner;
import io.ovsfabric.agent.plan.UnderlayFacts;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's data plane on OVS: each {@link #reconcile} observes the host (OVSDB, flows, links, routes,
 * iptables), computes the desired state from the topology ({@link HostPlanner}), diffs the two ({@link HostDiff})
 * and applies only the difference. Everything it creates is marked as ours, and {@link #teardown} removes exactly
 * that.
 *
 * <p>Besides the topology, the desired state has a second input: the Docker plugin's endpoints and published ports
 * ({@link #useLocalEndpoints}), so that one planner, one diff and one applier own br0's ports, the endpoint veths and
 * every {@code OVSFABRIC-*} chain; a hand-deleted endpoint port or DNAT rule comes back with the next pass.
 *
 * <p>Each instance is one "round" of flows: at its first pass it takes the round after the one recorded on the
 * integration bridge, re-installs every flow with the new round's cookie (an atomic replace, so traffic keeps
 * flowing), then deletes the flows left in old rounds.
 */
public final class OvsDataPlane implements DataPlane {
    private static final Logger LOG = LoggerFactory.getLogger(OvsDataPlane.class);

    private final DataPlaneConfig config;
    private final DatapathMode mode;
    private final OvsDatabase ovsdb;
    private final FlowTable flowTable;
    private final EventLoopGroup group;
    private final HostObserver observer;
    private final ChangeApplier applier;
    private int round;
    private final ConnectionLoss connectionLoss;
    private volatile DesiredHost lastDesired;   // of the last plan, for owned()
    private volatile Supplier<Optional<LocalEndpoints>> localEndpoints = () -> Optional.of(LocalEndpoints.NONE);
    private PortTypes.Policy portPolicy = PortTypes.Policy.AUTO;
    private boolean pmdSleepSet;
    private Set<String> interfaceTypes = Set.of();               // vswitchd's, read until it answers non-empty
    private final Map<String, String> afxdpRefused = new HashMap<>();  // port -> Interface.error, this run or earlier
    private final Map<String, String> loggedTypes = new HashMap<>();   // port -> the choice last logged

    private OvsDataPlane(DataPlaneConfig config, DatapathMode mode, OvsDatabase ovsdb, FlowTable flowTable,
            HostNetwork host, PacketFilter filter, EventLoopGroup group, ConnectionLoss connectionLoss) {
        this.config = config;
        this.connectionLoss = connectionLoss;
        this.mode = mode;
        this.ovsdb = ovsdb;
        this.flowTable = flowTable;
        this.group = group;
        this.observer = new HostObserver(config.names(), ovsdb, flowTable, host, filter);
        this.applier = new ChangeApplier(ovsdb, flowTable, host, filter);
    }

    /**
     * The real data plane: OVSDB through OpenDaylight's library, flows through OpenFlow on the bridges' management
     * sockets, links and iptables through ip/ethtool/iptables-restore. Connects lazily: OVS need not be up yet.
     *
     * @throws io.ovsfabric.agent.AgentException INVALID, listing every problem of the config, or when the datapath is
     *         still {@code auto}: the wiring decides it once at start ({@code HostFacts.datapath})
     */
    public static OvsDataPlane open(DataPlaneConfig config) {
        config.validate();
        DatapathMode mode = config.datapathMode();
        if (mode == DatapathMode.AUTO) {
            throw AgentException.invalid("the datapath must be decided before the data plane opens (system or netdev)");
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, daemonThreads(), NioIoHandler.newFactory());
        CommandRunner runner = new ProcessCommandRunner(config.netns(), Duration.ofSeconds(30));
        LOG.info("data plane: OVSDB {}, OVS run dir {}, datapath {}{}", config.ovsdb(), config.ovsRundir(), mode,
                config.netns().map(ns -> ", host commands in netns " + ns).orElse(""));
        ConnectionLoss loss = new ConnectionLoss();
        return new OvsDataPlane(config, mode,
                new OdlOvsDatabase(config.ovsdb(), group, config.timeout(), () -> loss.report("ovsdb-server")),
                new OpenFlowFlowTable(config.ovsRundir(), group, config.timeout(), () -> loss.report("ovs-vswitchd")),
                new IpHostNetwork(runner), new IptablesPacketFilter(runner), group, loss);
    }

    /** A data plane over other adapters (in-memory fakes in tests); {@code mode} must be resolved already. */
    public static OvsDataPlane create(DataPlaneConfig config, DatapathMode mode, OvsDatabase ovsdb, FlowTable flowTable,
            HostNetwork host, PacketFilter filter) {
        config.validate();
        if (mode == DatapathMode.AUTO) {
            throw AgentException.invalid("the datapath must be decided before the data plane opens (system or netdev)");
        }
        return new OvsDataPlane(config, mode, ovsdb, flowTable, host, filter, null, new ConnectionLoss());
    }

    /** A lost connection to ovsdb-server or ovs-vswitchd, reported to the agent so that it reconciles at once. */
    @Override
    public void onConnectionLost(Runnable listener) {
        connectionLoss.listener = listener;
    }

    /** Where the OVSDB and OpenFlow adapters report a connection that OVS ended. */
    private static final class ConnectionLoss {
        private volatile Runnable listener = () -> {};
        private volatile boolean closed;

        void report(String peer) {
            if (!closed) {
                LOG.warn("lost the connection to {}; reconciling at once (a restarted ovs-vswitchd has no flows)", peer);
                listener.run();
            }
        }
    }

    /**
     * Where each pass reads the Docker plugin's endpoints and published ports (an immutable snapshot, read without
     * blocking). Empty means "not known yet" (the plugin has not loaded its state): the pass then leaves endpoint
     * ports, their veths and the published-port chain as they are. Without a source: none.
     */
    public void useLocalEndpoints(Supplier<Optional<LocalEndpoints>> source) {
        localEndpoints = source;
    }

    public DatapathMode datapathMode() {
        return mode;
    }

    /**
     * Which port types the underlay interface and the docker0 link may get on the userspace datapath
     * ({@code --port-type}): AUTO picks AF_XDP where vswitchd supports it and the MTU fits, AFPACKET never does,
     * AFXDP_PMD picks AF_XDP with PMD threads where AUTO would pick AF_XDP.
     */
    public synchronized void usePortTypes(PortTypes.Policy policy) {
        portPolicy = policy;
    }

    /** OVS's version as recorded in OVSDB ("" when the start-up scripts did not record it), for capabilities. */
    public String ovsVersion() {
        return ovsdb.ovsVersion();
    }

    /** The flow round of this instance; 0 before its first pass. */
    public synchronized int round() {
        return round;
    }

    @Override
    public synchronized void reconcile(Topology topology) {
        ensurePmdSleep(topology);
        List<Change> changes = plan(topology);
        if (changes.isEmpty()) {
            LOG.debug("{}: in sync with topology revision {}", topology.self().id(), topology.revision());
            return;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                applier.apply(topology.self().id().value(), changes);
                break;
            } catch (AgentException e) {
                // vswitchd refused AF_XDP on a port (a pass stops at the first): plan again at once, with AF_PACKET
                // there; bounded, as each retry needs a port that was not refused before
                if (attempt > 4 || !noteAfxdpRefusals(topology)) {
                    throw e;
                }
                changes = plan(topology);
            }
        }
        int applied = changes.size();
        if (changes.stream().anyMatch(OvsDataPlane::newEndpointPort)) {
            // the flows of a new endpoint port name the OpenFlow port vswitchd just gave it: one more pass at once,
            // so that a container's port is forwarding when the pass that made it returns (Docker's Join)
            List<Change> flows = plan(topology);
            applier.apply(topology.self().id().value(), flows);
            applied += flows.size();
        }
        LOG.info("{}: reconciled to topology revision {} ({} peers, {} changes)", topology.self().id(),
                topology.revision(), topology.peers().size(), applied);
    }

    /**
     * With {@code --port-type afxdp-pmd}, vswitchd's PMD threads sleep up to {@link PortTypes#PMD_MAX_SLEEP_US} when
     * their ports are idle (Open_vSwitch other_config:pmd-maxsleep), so a PMD does not hold a core. Set before the
     * ports that start the PMDs; once per instance.
     */
    private void ensurePmdSleep(Topology topology) {
        if (pmdSleepSet || mode != DatapathMode.NETDEV || portPolicy != PortTypes.Policy.AFXDP_PMD) {
            return;
        }
        ovsdb.ensureOtherConfig("pmd-maxsleep", Integer.toString(PortTypes.PMD_MAX_SLEEP_US));
        pmdSleepSet = true;
        LOG.info("{}: PMD threads sleep up to {} us when idle (other_config:pmd-maxsleep, --port-type afxdp-pmd)",
                topology.self().id(), PortTypes.PMD_MAX_SLEEP_US);
    }

    /** Records the ports vswitchd could not open as AF_XDP (they get AF_PACKET from now on); true if there were new ones. */
    private boolean noteAfxdpRefusals(Topology topology) {
        boolean found = false;
        for (ObservedBridge bridge : ovsdb.bridges()) {
            for (ObservedPort port : bridge.ports()) {
                if (port.owned() && port.type().startsWith("afxdp") && !port.error().isEmpty()
                        && afxdpRefused.putIfAbsent(port.name(), port.error()) == null) {
                    LOG.warn("{}: ovs-vswitchd refused AF_XDP on port {} of {} ({}): falling back to AF_PACKET",
                            topology.self().id(), port.name(), bridge.name(), port.error());
                    found = true;
                }
            }
        }
        return found;
    }

    /**
     * A port an earlier run fell back to AF_PACKET on stays AF_PACKET: it is forwarding, and changing a port's type
     * under traffic loses packets (vswitchd reopens the device).
     */
    private void rememberEarlierRefusals(Topology topology, ObservedHost observed) {
        for (ObservedBridge bridge : observed.bridges()) {
            for (ObservedPort port : bridge.ports()) {
                String refusal = port.externalIds().get(Ownership.AFXDP_REFUSED_KEY);
                if (port.owned() && refusal != null && afxdpRefused.putIfAbsent(port.name(), refusal) == null) {
                    LOG.info("{}: port {} of {} stays AF_PACKET: ovs-vswitchd refused AF_XDP on it in an earlier run"
                            + " ({}); to try AF_XDP again, run 'ovs-vsctl remove port {} external_ids {}' and restart"
                            + " the agent", topology.self().id(), port.name(), bridge.name(), refusal, port.name(),
                            Ownership.AFXDP_REFUSED_KEY);
                }
            }
        }
    }

    private PortTypes.Offer portOffer() {
        if (mode == DatapathMode.NETDEV && portPolicy != PortTypes.Policy.AFPACKET && interfaceTypes.isEmpty()) {
            interfaceTypes = ovsdb.interfaceTypes();
        }
        return new PortTypes.Offer(mode, portPolicy, interfaceTypes, afxdpRefused);
    }

    /** One INFO line per port whenever its chosen type changes: which type and why. */
    private void logPortTypes(Topology topology, PortTypes.Offer offer, UnderlayFacts underlay, int overlayMtu) {
        Map<String, PortTypes.Choice> choices = new LinkedHashMap<>();
        choices.put(config.names().vethBridgeSide(), PortTypes.choose(offer, config.names().vethBridgeSide(), overlayMtu));
        if (mode == DatapathMode.NETDEV) {
            choices.put(underlay.interfaceName(), PortTypes.choose(offer, underlay.interfaceName(), underlay.mtu()));
        }
        choices.forEach((port, choice) -> {
            String line = choice.label() + ": " + choice.reason();
            if (!line.equals(loggedTypes.put(port, line))) {
                LOG.info("{}: port {} is {}", topology.self().id(), port, line);
            }
        });
    }

    private static boolean newEndpointPort(Change change) {
        return change instanceof Change.EnsurePort p && p.create()
                && p.port().interfaceIds().containsKey(EndpointPort.NETWORK_KEY);
    }

    /**
     * After a good pass the host is what the last plan desired: its flows, its ports, and the tunnels (distinct peer
     * underlay addresses its flows send to through the GRE port).
     */
    @Override
    public Optional<Owned> owned() {
        DesiredHost desired = lastDesired;
        if (desired == null) {
            return Optional.empty();
        }
        int ports = desired.bridges().stream().mapToInt(b -> b.ports().size()).sum();
        long tunnels = desired.flows().stream().flatMap(f -> f.actions().stream())
                .filter(a -> a instanceof io.ovsfabric.agent.plan.FlowAction.SetTunnelDst)
                .map(a -> ((io.ovsfabric.agent.plan.FlowAction.SetTunnelDst) a).destination()).distinct().count();
        return Optional.of(new Owned(desired.flows().size(), ports, (int) tunnels));
    }

    /** Where each applied or failed change is counted (the agent's metrics). */
    public void useMetrics(io.ovsfabric.agent.metrics.AgentMetrics metrics) {
        applier.useMetrics(metrics);
    }

    /** What {@link #reconcile} would change now, without changing anything (empty when the host is in sync). */
    public synchronized List<Change> plan(Topology topology) {
        if (config.underlayIp() == null) {
            throw AgentException.invalid("the underlay IP is required to reconcile (--underlay-ip)");
        }
        ObservedHost observed = observer.observe(true);
        UnderlayFacts underlay = UnderlayFacts.resolve(config.underlayIp(), config.underlayInterface(), config.names(),
                mode, observed);
        if (round == 0) {
            int previous = observed.bridge(config.names().integrationBridge()).filter(ObservedBridge::owned)
                    .map(ObservedBridge::round).orElse(0);
            round = Cookie.nextRound(previous);
            LOG.info("{}: flow round {} (previous run: {})", topology.self().id(), round,
                    previous == 0 ? "none" : previous);
            rememberEarlierRefusals(topology, observed);
        }
        List<EndpointPort> endpointPorts = observed.bridge(config.names().integrationBridge())
                .map(EndpointPort::on).orElse(List.of());
        PortTypes.Offer offer = portOffer();
        DesiredHost desired = HostPlanner.desired(topology, new PlanSettings(config.names(), mode, round, config.icc(),
                offer), underlay, endpointPorts, localEndpoints.get());
        logPortTypes(topology, offer, underlay, desired.overlayMtu());
        List<Change> changes = HostDiff.changes(desired, observed);
        lastDesired = desired;
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: overlay MTU {}, underlay {} on {}, {} flows desired, {} changes: {}", topology.self().id(),
                    desired.overlayMtu(), underlay.address(), underlay.interfaceName(), desired.flows().size(),
                    changes.size(), changes);
        }
        return changes;
    }

    @Override
    public synchronized List<AttachedPort> endpointPorts() {
        // Every tagged port, failed ones too: a port vswitchd could not open still holds its endpoint's handle.
        return ovsdb.bridges().stream().filter(b -> b.name().equals(config.names().integrationBridge()))
                .flatMap(b -> b.ports().stream())
                .filter(p -> p.interfaceIds().containsKey(EndpointPort.NETWORK_KEY))
                .map(p -> new AttachedPort(p.name(), p.interfaceIds().get(EndpointPort.NETWORK_KEY),
                        p.interfaceIds().getOrDefault(EndpointPort.ENDPOINT_KEY, ""),
                        p.interfaceIds().getOrDefault(EndpointPort.DOCKER_ENDPOINT_KEY, "")))
                .toList();
    }

    @Override
    public synchronized void teardown() {
        List<Change> changes = TeardownPlanner.changes(observer.observe(false));
        applier.apply("teardown", changes);
        LOG.info("teardown: removed {} object(s) marked as ovsfabric's", changes.size());
        round = 0;
    }

    @Override
    public synchronized void close() {
        connectionLoss.closed = true;
        try {
            ovsdb.close();
            flowTable.close();
        } finally {
            if (group != null) {
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
    }

    private static ThreadFactory daemonThreads() {
        return runnable -> {
            Thread thread = new Thread(runnable, "ovsfabric-ovs-io");
            thread.setDaemon(true);
            return thread;
        };
    }
}
