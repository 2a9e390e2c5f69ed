package io.ovsfabric.agent.wiring;

import io.ovsfabric.agent.dns.DnsConfig;
import io.ovsfabric.agent.dns.EndpointDirectory;
import io.ovsfabric.agent.dns.FabricDnsServer;
import io.ovsfabric.agent.dns.FabricEndpointDirectory;
import io.ovsfabric.agent.dns.ResolvConf;
import io.ovsfabric.agent.docker.DockerIntegration;
import io.ovsfabric.agent.docker.DockerPluginConfig;
import io.ovsfabric.agent.docker.engine.DataPlaneView;
import io.ovsfabric.agent.docker.engine.DockerJavaEngine;
import io.ovsfabric.agent.docker.link.EndpointLink;
import io.ovsfabric.agent.docker.link.EndpointPlumbing;
import io.ovsfabric.agent.docker.link.IpEndpointPlumbing;
import io.ovsfabric.agent.docker.link.IptablesPortForwarding;
import io.ovsfabric.agent.docker.link.SystemProcessRunner;
import io.ovsfabric.agent.model.AttachedPort;
import io.ovsfabric.agent.linux.IptablesPacketFilter;
import io.ovsfabric.agent.linux.ProcessCommandRunner;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.model.Topology;
import io.ovsfabric.agent.rpc.FabricNetworks;
import io.ovsfabric.common.HostId;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's Docker side, started once the host is registered (the plugin needs the host's MTU, the DNS server the
 * host's gateway address): the network + IPAM plugin on {@code <plugin-dir>/ovsfabric.sock}, the engine sync, and the
 * fabric DNS server on the gateway address, port 53. Fed by the reconcile loop with every applied topology: the DNS
 * names follow the topology stream, and a change of networks makes the engine sync run at once.
 */
final class DockerWiring implements Consumer<Topology>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DockerWiring.class);

    /**
     * @param dockerHost Docker Engine API address, e.g. unix:///var/run/docker.sock
     * @param ovsdb      OVSDB target for the plugin's ovs-vsctl (the data plane's)
     * @param netdev     userspace datapath: TX checksum offload off on endpoint veths
     */
    record Settings(HostId host, Path pluginDir, Path stateDir, String dockerHost, String ovsdb,
            boolean netdev, Path resolvConf) {}

    private final Settings settings;
    private final FabricNetworks controller;
    private final Runnable reconcileSoon;
    private final Supplier<List<AttachedPort>> bridgePorts;
    private final FabricEndpointDirectory directory = new FabricEndpointDirectory();
    private DockerIntegration docker;
    private FabricDnsServer dns;
    private List<OverlayNetwork> networks = List.of();
    private boolean closed;
    private volatile long appliedRevision;

    /**
     * @param controller  the networks role of the agent's one controller client (the wiring closes it)
     * @param bridgePorts the data plane's {@code endpointPorts()}: what the plugin's ports really are in OVS
     */
    DockerWiring(Settings settings, FabricNetworks controller, Runnable reconcileSoon,
            Supplier<List<AttachedPort>> bridgePorts) {
        this.settings = settings;
        this.controller = controller;
        this.reconcileSoon = reconcileSoon;
        this.bridgePorts = bridgePorts;
    }

    @Override
    public synchronized void accept(Topology topology) {
        if (closed) {
            return;
        }
        appliedRevision = topology.revision();
        directory.update(new EndpointDirectory.Snapshot(topology.networks(), topology.endpoints()));
        if (dns == null) {
            try {
                startDns(topology);
            } catch (RuntimeException e) {
                log.warn("Host {}: cannot start the DNS server yet ({}); retrying at the next pass", settings.host(),
                        e.getMessage());
            }
        }
        if (docker == null) {
            try {
                startDocker(topology);
            } catch (RuntimeException e) {
                log.warn("Host {}: cannot start the Docker plugin yet ({}); retrying at the next pass",
                        settings.host(), e.getMessage());
            }
        } else if (!topology.networks().equals(networks)) {
            docker.fabricChanged();
        }
        networks = topology.networks();
    }

    private void startDocker(Topology topology) {
        EndpointPlumbing plumbing = new ReconcilingPlumbing(new IpEndpointPlumbing(
                new SystemProcessRunner(Duration.ofSeconds(30)), settings.ovsdb(), settings.netdev()), reconcileSoon);
        docker = DockerIntegration.start(DockerPluginConfig.defaults(settings.host(), settings.pluginDir(),
                        settings.stateDir(), topology.self().mtu()),
                controller, plumbing,
                new IptablesPortForwarding(new IptablesPacketFilter(ProcessCommandRunner.local())),
                DockerJavaEngine.connect(settings.dockerHost()), new DataPlaneView() {
                    @Override
                    public List<AttachedPort> endpointPorts() {
                        return bridgePorts.get();
                    }

                    @Override
                    public long appliedRevision() {
                        return appliedRevision;
                    }

                    @Override
                    public void requestReconcile() {
                        reconcileSoon.run();
                    }
                }, Clock.systemUTC());
        log.info("Host {}: Docker plugin '{}' serving {}, engine {}", settings.host(), DockerPluginConfig.DRIVER_NAME,
                settings.pluginDir().resolve("ovsfabric.sock"), settings.dockerHost());
    }

    private void startDns(Topology topology) {
        InetSocketAddress listen;
        try {
            listen = new InetSocketAddress(InetAddress.getByAddress(topology.self().gateway().toBytes()), 53);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("gateway " + topology.self().gateway() + " is not an address", e);
        }
        List<InetSocketAddress> upstreams;
        try {
            upstreams = ResolvConf.nameservers(settings.resolvConf(), List.of(listen));
        } catch (IOException e) {
            log.warn("Host {}: cannot read {} ({}); names outside the fabric will not resolve", settings.host(),
                    settings.resolvConf(), e.getMessage());
            upstreams = List.of();
        }
        dns = FabricDnsServer.start(new DnsConfig(List.of(listen), upstreams, 5, Duration.ofSeconds(2)), directory);
        log.info("Host {}: DNS for fabric names on {} (UDP and TCP), other names relayed to {}", settings.host(),
                listen, upstreams);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (docker != null) {
            docker.close();
        }
        if (dns != null) {
            dns.close();
        }
        directory.close();
    }

    /** The plugin's veth plumbing, asking the data plane for a pass after each change (new ports need flows). */
    private record ReconcilingPlumbing(EndpointPlumbing delegate, Runnable reconcileSoon) implements EndpointPlumbing {
        @Override
        public void ensureLink(EndpointLink link) {
            delegate.ensureLink(link);
            reconcileSoon.run();
        }

        @Override
        public void removeLink(EndpointLink link) {
            delegate.removeLink(link);
            reconcileSoon.run();
        }
    }
}
