package io.ovsfabric.ctl;

import io.grpc.ManagedChannel;
import io.ovsfabric.common.rpc.ControllerChannels;
import io.ovsfabric.common.rpc.ControllerTargets;
import io.ovsfabric.proto.v1.AdminServiceGrpc;
import java.util.concurrent.TimeUnit;

/**
 * One channel to the controllers ({@code --controller a:7070,b:7070}: the first that answers serves the command) and a
 * blocking AdminService stub with a per-call deadline.
 */
final class ControllerClient implements AutoCloseable {
    private static final long DEADLINE_SECONDS = 15;
    private final ManagedChannel channel;

    private ControllerClient(ManagedChannel channel) {
        this.channel = channel;
    }

    /** @throws io.ovsfabric.common.InvalidInputException naming every malformed entry of the list */
    static ControllerClient connect(String addresses, io.grpc.ChannelCredentials credentials) {
        return new ControllerClient(ControllerChannels.open(ControllerTargets.parse(addresses), credentials));
    }

    AdminServiceGrpc.AdminServiceBlockingStub admin() {
        return AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    io.ovsfabric.proto.v1.TunnelHealthServiceGrpc.TunnelHealthServiceBlockingStub tunnels() {
        return io.ovsfabric.proto.v1.TunnelHealthServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        ControllerChannels.close(channel);
    }
}
