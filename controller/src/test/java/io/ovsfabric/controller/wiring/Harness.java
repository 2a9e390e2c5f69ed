package io.ovsfabric.controller.wiring;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.ovsfabric.common.testing.Poll;
import io.ovsfabric.controller.cli.ControllerConfig;
import io.ovsfabric.controller.ipam.PlanRequest;
import io.ovsfabric.proto.v1.AdminServiceGrpc;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Starts in-process controllers on free ports against a test etcd, and gRPC channels to them; closes all. */
public final class Harness implements AutoCloseable {
    private final String etcd;
    private final String prefix;
    private final List<Controller> controllers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private int started;

    public Harness(String etcdEndpoint, String keyPrefix) {
        this.etcd = etcdEndpoint;
        this.prefix = keyPrefix;
    }

    /** The key prefix the controllers of this harness use, ending in '/'. */
    public String prefix() {
        return prefix.endsWith("/") ? prefix : prefix + "/";
    }

    public Controller start(PlanRequest plan, Duration ttl, Duration grace) throws InterruptedException {
        PlanRequest withLiveness = new PlanRequest(plan.fabricCidr(), plan.hostPrefix(), plan.tunnelKey(), plan.underlayMtu(), ttl, grace);
        ControllerConfig config = new ControllerConfig(List.of(etcd), "127.0.0.1", 0, withLiveness, prefix, "ctl-test-" + (++started));
        Controller controller = Controller.start(config);
        synchronized (controllers) {
            controllers.add(controller);
        }
        return controller;
    }

    public ManagedChannel channel(Controller controller) {
        ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + controller.port(), InsecureChannelCredentials.create()).build();
        synchronized (channels) {
            channels.add(channel);
        }
        return channel;
    }

    public FabricServiceGrpc.FabricServiceBlockingStub fabric(Controller controller) {
        return FabricServiceGrpc.newBlockingStub(channel(controller)).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    public AdminServiceGrpc.AdminServiceBlockingStub admin(Controller controller) {
        return AdminServiceGrpc.newBlockingStub(channel(controller)).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    /** Polls until the condition holds or the deadline passes (then fails with the description). */
    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        Poll.until(what, timeout, condition);
    }

    @Override
    public void close() {
        synchronized (channels) {
            channels.forEach(ManagedChannel::shutdownNow);
        }
        synchronized (controllers) {
            for (Controller controller : controllers) {
                try {
                    controller.close();
                } catch (RuntimeException e) {
                    // already killed
                }
            }
        }
    }
}
