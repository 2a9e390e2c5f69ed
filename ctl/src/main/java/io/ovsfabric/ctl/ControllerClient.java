package io.ovsfabric.ctl;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.ovsfabric.proto.v1.AdminServiceGrpc;
import java.util.concurrent.TimeUnit;

/** One channel to the controller and a blocking AdminService stub with a per-call deadline. */
final class ControllerClient implements AutoCloseable {
    private static final long DEADLINE_SECONDS = 15;
    private final ManagedChannel channel;

    private ControllerClient(ManagedChannel channel) {
        this.channel = channel;
    }

    static ControllerClient connect(String address) {
        return new ControllerClient(Grpc.newChannelBuilder(address, InsecureChannelCredentials.create()).build());
    }

    AdminServiceGrpc.AdminServiceBlockingStub admin() {
        return AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
