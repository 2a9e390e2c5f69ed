package io.ovsfabric.agent.rpc;

import java.time.Duration;

/**
 * The agent's one client of the controller: one channel, one status table, one mapper, behind two small roles.
 * {@code wiring} builds it once and hands {@link #membership()} to the host's runtime and {@link #networks()} to the
 * Docker plugin, engine sync and DNS. Closing it closes the channel under both.
 */
public final class ControllerClient implements AutoCloseable {
    private final ControllerChannel channel;
    private final FabricClient membership;
    private final FabricNetworks networks;

    /**
     * Docker's calls (address allocation, endpoint updates) answer within this, found controller or not: with no
     * controller or no etcd quorum, {@code docker run --network <user net>} fails fast with the reason.
     */
    static final Duration NETWORKS_DEADLINE = Duration.ofSeconds(3);

    ControllerClient(ControllerChannel channel) {
        this.channel = channel;
        this.membership = new GrpcFabricClient(channel);
        this.networks = new GrpcFabricNetworks(channel.forDocker(NETWORKS_DEADLINE));
    }

    /** A client of the controllers at {@code host:port[,host:port...]}; connecting is lazy, so this never fails on
     *  an unreachable controller. Membership calls get a 10 s deadline, Docker's calls 3 s. */
    public static ControllerClient connect(String address) {
        return connect(address, ControllerChannel.DEFAULT_DEADLINE);
    }

    public static ControllerClient connect(String address, Duration deadline) {
        return new ControllerClient(ControllerChannel.connect(address, deadline));
    }

    /** A client with the host's credentials (mutual TLS, or plaintext with --insecure). */
    public static ControllerClient connect(String address, HostCredentials credentials) {
        return new ControllerClient(ControllerChannel.connect(address, ControllerChannel.DEFAULT_DEADLINE,
                credentials.channelCredentials()));
    }

    /** Registration, lease, topology stream and the admin reads the agent makes. */
    public FabricClient membership() {
        return membership;
    }

    /** Networks, address allocation, endpoints and inventory reports (the Docker side). */
    public FabricNetworks networks() {
        return networks;
    }

    /** The tunnel prober's reports of {@code host}'s tunnels (same channel, membership deadline). */
    public io.ovsfabric.agent.health.TunnelReportSink tunnelReports(io.ovsfabric.common.HostId host) {
        return new GrpcTunnelReports(channel, host);
    }

    /** How many bytes a report of these peers is on the wire (the benchmarks' reference for what is stored). */
    public static int reportRequestBytes(io.ovsfabric.common.HostId host, io.ovsfabric.agent.health.ProbeSettings settings,
            java.util.List<io.ovsfabric.agent.health.PeerStatus> peers) {
        return GrpcTunnelReports.request(host, settings, peers).getSerializedSize();
    }

    public String address() {
        return channel.address();
    }

    /** Connects now and waits until the channel is ready (calls connect lazily otherwise); false after {@code timeout}. */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        return channel.awaitReady(timeout);
    }

    /** Before a retry loop's next try: connect at once instead of waiting out gRPC's reconnect backoff. */
    public void resetConnectBackoff() {
        channel.resetConnectBackoff();
    }

    @Override
    public void close() {
        channel.close();
    }
}
