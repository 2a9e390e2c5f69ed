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

    ControllerClient(ControllerChannel channel) {
        this.channel = channel;
        this.membership = new GrpcFabricClient(channel);
        this.networks = new GrpcFabricNetworks(channel);
    }

    /** A client of the controller at {@code host:port}; connecting is lazy, so this never fails on an unreachable
     *  controller. Unary calls get a 10 s deadline. */
    public static ControllerClient connect(String address) {
        return connect(address, ControllerChannel.DEFAULT_DEADLINE);
    }

    public static ControllerClient connect(String address, Duration deadline) {
        return new ControllerClient(ControllerChannel.connect(address, deadline));
    }

    /** Registration, lease, topology stream and the admin reads the agent makes. */
    public FabricClient membership() {
        return membership;
    }

    /** Networks, address allocation, endpoints and inventory reports (the Docker side). */
    public FabricNetworks networks() {
        return networks;
    }

    public String address() {
        return channel.address();
    }

    @Override
    public void close() {
        channel.close();
    }
}
