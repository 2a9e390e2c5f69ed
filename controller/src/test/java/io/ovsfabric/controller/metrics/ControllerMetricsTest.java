package io.ovsfabric.controller.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.stub.StreamObserver;
import io.ovsfabric.common.testing.Poll;
import io.ovsfabric.common.testing.PrometheusText;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.store.FakeKvStore;
import io.ovsfabric.controller.store.KvStore;
import io.ovsfabric.proto.v1.AdminServiceGrpc;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import io.ovsfabric.proto.v1.GetFabricRequest;
import io.ovsfabric.proto.v1.GetFabricResponse;
import io.ovsfabric.proto.v1.RegisterRequest;
import io.ovsfabric.proto.v1.RegisterResponse;
import io.ovsfabric.proto.v1.ReserveHostRequest;
import io.ovsfabric.proto.v1.ReserveHostResponse;
import io.ovsfabric.proto.v1.TopologyEvent;
import io.ovsfabric.proto.v1.WatchTopologyRequest;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ControllerMetricsTest {
    private final ControllerMetrics metrics = new ControllerMetrics("9.9.9");

    private PrometheusText scrape() {
        return PrometheusText.parse(metrics.registry().scrape());
    }

    @Test
    void rpcLatencyByMethodAndCodeAllocationsRefusalsAndWatchers() throws Exception {
        Server server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).intercept(metrics.rpc())
                .addService(new AdminServiceGrpc.AdminServiceImplBase() {
                    @Override
                    public void getFabric(GetFabricRequest request, StreamObserver<GetFabricResponse> observer) {
                        observer.onNext(GetFabricResponse.getDefaultInstance());
                        observer.onCompleted();
                    }

                    @Override
                    public void reserveHost(ReserveHostRequest request, StreamObserver<ReserveHostResponse> observer) {
                        observer.onError(Status.RESOURCE_EXHAUSTED.withDescription("no host subnet left").asRuntimeException());
                    }
                })
                .addService(new FabricServiceGrpc.FabricServiceImplBase() {
                    @Override
                    public void register(RegisterRequest request, StreamObserver<RegisterResponse> observer) {
                        observer.onNext(RegisterResponse.getDefaultInstance());
                        observer.onCompleted();
                    }

                    @Override
                    public void watchTopology(WatchTopologyRequest request, StreamObserver<TopologyEvent> observer) {
                        observer.onNext(TopologyEvent.newBuilder().setRevision(1).build());   // stays open
                    }
                }).build().start();
        ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + server.getPort(), InsecureChannelCredentials.create()).build();
        try {
            AdminServiceGrpc.AdminServiceBlockingStub admin = AdminServiceGrpc.newBlockingStub(channel);
            admin.getFabric(GetFabricRequest.getDefaultInstance());
            admin.getFabric(GetFabricRequest.getDefaultInstance());
            assertThrows(StatusRuntimeException.class, () -> admin.reserveHost(ReserveHostRequest.getDefaultInstance()));
            FabricServiceGrpc.newBlockingStub(channel).register(RegisterRequest.getDefaultInstance());
            io.grpc.Context.CancellableContext watch = io.grpc.Context.current().withCancellation();
            Iterator<TopologyEvent> events = watch.call(() ->
                    FabricServiceGrpc.newBlockingStub(channel).watchTopology(WatchTopologyRequest.getDefaultInstance()));
            events.next();

            PrometheusText text = scrape();
            assertEquals(2.0, text.value("ovsfabric_controller_rpc_duration_seconds_count",
                    "service", "AdminService", "method", "GetFabric", "code", "ok"));
            assertEquals(1.0, text.value("ovsfabric_controller_rpc_duration_seconds_count",
                    "method", "ReserveHost", "code", "resource_exhausted"));
            assertEquals(1.0, text.value("ovsfabric_controller_allocation_refusals_total", "kind", "subnet",
                    "reason", "resource_exhausted"));
            assertEquals(1.0, text.value("ovsfabric_controller_allocations_total", "kind", "subnet"));
            assertEquals(1.0, text.value("ovsfabric_controller_watchers"));
            assertEquals(1.0, text.value("ovsfabric_build_info", "app", "controller", "version", "9.9.9"));

            watch.cancel(null);
            Poll.until("the cancelled stream leaves the watchers gauge", Duration.ofSeconds(5), () -> metrics.rpc().watchers() == 0);
        } finally {
            channel.shutdownNow();
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void etcdCallsAreTimedAndFailuresCountedByCode() {
        KvStore store = metrics.meter(new FakeKvStore());
        store.get("/a");
        store.getPrefix("/");
        store.close();
        KvStore unreachable = (KvStore) java.lang.reflect.Proxy.newProxyInstance(KvStore.class.getClassLoader(),
                new Class<?>[] {KvStore.class}, (proxy, method, args) -> {
                    throw new FabricException(FabricException.Code.UNAVAILABLE, "etcd did not answer");
                });
        KvStore failing = metrics.meter(unreachable);
        assertThrows(FabricException.class, () -> failing.get("/a"));
        PrometheusText text = scrape();
        assertEquals(2.0, text.value("ovsfabric_controller_etcd_request_duration_seconds_count", "op", "get"));
        assertEquals(1.0, text.value("ovsfabric_controller_etcd_request_duration_seconds_count", "op", "range"));
        assertEquals(1.0, text.value("ovsfabric_controller_etcd_errors_total", "op", "get", "code", "unavailable"));
    }

    @Test
    void hostAndSubnetGaugesStartAtZeroAndLeaderFollowsTheElection() {
        boolean[] leading = {false};
        metrics.observeLeader(() -> leading[0]);
        PrometheusText before = scrape();
        assertEquals(0.0, before.value("ovsfabric_controller_hosts", "state", "up"));
        assertEquals(0.0, before.value("ovsfabric_controller_hosts", "state", "reserved"));
        assertEquals(0.0, before.value("ovsfabric_controller_subnets", "state", "free"));
        assertEquals(0.0, before.value("ovsfabric_controller_leader"));
        leading[0] = true;
        assertEquals(1.0, scrape().value("ovsfabric_controller_leader"));
    }
}
