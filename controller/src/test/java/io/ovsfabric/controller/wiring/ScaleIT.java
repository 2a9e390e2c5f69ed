package io.ovsfabric.controller.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.ovsfabric.common.rpc.ControllerChannels;
import io.ovsfabric.common.testing.EtcdExtension;
import io.ovsfabric.controller.ipam.PlanRequest;
import io.ovsfabric.proto.v1.AdminServiceGrpc;
import io.ovsfabric.proto.v1.AllocateAddressRequest;
import io.ovsfabric.proto.v1.CreateNetworkRequest;
import io.ovsfabric.proto.v1.Endpoint;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import io.ovsfabric.proto.v1.RegisterRequest;
import io.ovsfabric.proto.v1.TopologyEvent;
import io.ovsfabric.proto.v1.UpdateEndpointRequest;
import io.ovsfabric.proto.v1.WatchTopologyRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Correctness at scale (not timed; the benchmark is deploy/bench.sh): hundreds of watchers converge to the same
 * revision, concurrent allocations through two controllers never share an address, a network of 20,000 endpoints is
 * still served in snapshots and resumes, and oversized fields are refused naming the field and the limit.
 */
class ScaleIT {
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension("scale");

    private static final PlanRequest PLAN = new PlanRequest("10.200.0.0/16", 24, null, null);

    /** A watcher's view: the hosts and endpoints it knows and the revision it is at. */
    private static final class Watcher implements StreamObserver<TopologyEvent> {
        final Set<String> hosts = ConcurrentHashMap.newKeySet();
        final AtomicInteger endpoints = new AtomicInteger();
        final AtomicLong revision = new AtomicLong();
        final AtomicInteger snapshots = new AtomicInteger();
        volatile Throwable error;

        @Override
        public void onNext(TopologyEvent event) {
            if (event.hasSnapshot()) {
                snapshots.incrementAndGet();
                hosts.clear();
                event.getSnapshot().getHostsList().forEach(h -> hosts.add(h.getHostId()));
                endpoints.set(event.getSnapshot().getEndpointsCount());
            }
            event.getDelta().getChangesList().forEach(c -> {
                if (c.hasHostUpserted()) {
                    hosts.add(c.getHostUpserted().getHostId());
                } else if (c.hasEndpointUpserted()) {
                    endpoints.incrementAndGet();
                }
            });
            revision.set(event.getRevision());
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onCompleted() {
        }
    }

    private static ManagedChannel channel(Controller c) {
        return NettyChannelBuilder.forAddress("127.0.0.1", c.port()).usePlaintext()
                .maxInboundMessageSize(ControllerChannels.MAX_MESSAGE_BYTES).build();
    }

    @Test
    void threeHundredWatchersConvergeToTheSameRevision() throws Exception {
        try (Harness harness = new Harness(ETCD.endpoint(), ETCD.uniquePrefix())) {
            Controller c = harness.start(PLAN, Duration.ofSeconds(30), Duration.ofMinutes(10));
            List<ManagedChannel> channels = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                channels.add(channel(c));
            }
            List<Watcher> watchers = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                Watcher w = new Watcher();
                watchers.add(w);
                FabricServiceGrpc.newStub(channels.get(i % channels.size()))
                        .watchTopology(WatchTopologyRequest.newBuilder().setHostId("w" + i).build(), w);
            }
            ExecutorService pool = Executors.newFixedThreadPool(16);
            FabricServiceGrpc.FabricServiceBlockingStub fabric = FabricServiceGrpc.newBlockingStub(channels.get(0));
            List<Future<Long>> registrations = new ArrayList<>();
            for (int i = 1; i <= 100; i++) {
                int n = i;
                registrations.add(pool.submit(() -> fabric.withDeadlineAfter(20, TimeUnit.SECONDS).register(RegisterRequest
                        .newBuilder().setHostId("h" + n).setUnderlayIp("192.0.2." + n).build()).getLeaseId()));
            }
            for (Future<Long> f : registrations) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            Harness.await("300 watchers to know the 100 hosts", Duration.ofSeconds(60),
                    () -> watchers.stream().allMatch(w -> w.hosts.size() == 100 || w.error != null));
            long last = watchers.get(0).revision.get();
            for (Watcher w : watchers) {
                assertEquals(null, w.error);
                assertEquals(100, w.hosts.size());
                assertEquals(last, w.revision.get(), "every watcher is at the same revision");
            }
            channels.forEach(ManagedChannel::shutdownNow);
        }
    }

    @Test
    void concurrentAllocationsThroughTwoControllersNeverShareAnAddress() throws Exception {
        try (Harness harness = new Harness(ETCD.endpoint(), ETCD.uniquePrefix())) {
            Controller a = harness.start(PLAN, Duration.ofSeconds(30), Duration.ofMinutes(10));
            Controller b = harness.start(PLAN, Duration.ofSeconds(30), Duration.ofMinutes(10));
            harness.fabric(a).register(RegisterRequest.newBuilder().setHostId("h1").setUnderlayIp("192.0.2.1").build());
            harness.admin(a).createNetwork(CreateNetworkRequest.newBuilder().setName("big").setSubnet("10.210.0.0/20").build());
            List<FabricServiceGrpc.FabricServiceBlockingStub> stubs = List.of(harness.fabric(a), harness.fabric(b));
            ExecutorService pool = Executors.newFixedThreadPool(16);
            List<Future<List<String>>> clients = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int client = t;
                clients.add(pool.submit(() -> {
                    List<String> got = new ArrayList<>();
                    for (int i = 0; i < 100; i++) {
                        got.add(stubs.get(client % 2).withDeadlineAfter(20, TimeUnit.SECONDS).allocateAddress(
                                AllocateAddressRequest.newBuilder().setNetworkId("big").setHostId("h1")
                                        .setEndpointId("ep-" + client + "-" + i).build()).getEndpoint().getAddress());
                    }
                    return got;
                }));
            }
            List<String> all = new ArrayList<>();
            for (Future<List<String>> f : clients) {
                all.addAll(f.get(120, TimeUnit.SECONDS));
            }
            pool.shutdown();
            assertEquals(1600, all.size());
            assertEquals(1600, new HashSet<>(all).size(), "no address was given twice");
            assertEquals("10.210.0.2", all.stream().min((x, y) -> Long.compare(ip(x), ip(y))).orElseThrow(),
                    "lowest free first");
        }
    }

    @Test
    void twentyThousandEndpointsInOneNetworkAreServedInSnapshotsAndResumes() throws Exception {
        try (Harness harness = new Harness(ETCD.endpoint(), ETCD.uniquePrefix())) {
            Controller c = harness.start(PLAN, Duration.ofSeconds(30), Duration.ofMinutes(10));
            harness.fabric(c).register(RegisterRequest.newBuilder().setHostId("h1").setUnderlayIp("192.0.2.1").build());
            String netId = harness.admin(c).createNetwork(CreateNetworkRequest.newBuilder().setName("huge")
                    .setSubnet("10.220.0.0/16").build()).getNetwork().getId();
            ManagedChannel ch = channel(c);
            // counted before the first watcher subscribes: a reload between its snapshot and this count would move the
            // history's floor past resumeFrom unseen (seen once on a loaded machine)
            int resetsBefore = c.topologyResets();
            Watcher before = new Watcher();
            FabricServiceGrpc.newStub(ch).watchTopology(WatchTopologyRequest.newBuilder().setHostId("before").build(), before);
            Harness.await("the first snapshot", Duration.ofSeconds(20), () -> before.snapshots.get() == 1);
            long resumeFrom = before.revision.get();

            // 20,000 endpoint records as the allocation path writes them, 50 per transaction (etcd allows 128 operations
            // in one), much faster than 20,000 calls
            try (Client etcd = Client.builder().endpoints(ETCD.endpoint()).build()) {
                for (int batch = 0; batch < 400; batch++) {
                    List<Op> puts = new ArrayList<>();
                    for (int i = 0; i < 50; i++) {
                        int n = batch * 50 + i + 2;
                        String address = "10.220." + (n / 256) + "." + (n % 256);
                        String endpointId = String.format("%064x", n);
                        String record = "{\"networkId\":\"" + netId + "\",\"endpointId\":\"" + endpointId
                                + "\",\"hostId\":\"h1\",\"address\":\"" + address + "\",\"mac\":\"02:42:0a:dc:00:01\","
                                + "\"containerId\":\"" + endpointId + "\",\"containerName\":\"container-" + n
                                + "\",\"aliases\":[\"alias-" + n + "\"],\"allocatedAtMs\":1}";
                        puts.add(Op.put(bytes(harness.prefix() + "addresses/" + netId + "/" + address), bytes(record), PutOption.DEFAULT));
                        puts.add(Op.put(bytes(harness.prefix() + "handles/" + netId + "/" + endpointId), bytes(address), PutOption.DEFAULT));
                    }
                    etcd.getKVClient().txn().Then(puts.toArray(Op[]::new)).commit().get(10, TimeUnit.SECONDS);
                }
            }
            Harness.await("the live watcher to get 20,000 endpoints as deltas", Duration.ofSeconds(60),
                    () -> before.endpoints.get() == 20000 || before.error != null);
            assertEquals(null, before.error);

            // a controller started now loads them with paged reads and serves them in one snapshot
            Controller later = harness.start(PLAN, Duration.ofSeconds(30), Duration.ofMinutes(10));
            ManagedChannel ch2 = channel(later);
            Watcher fresh = new Watcher();
            FabricServiceGrpc.newStub(ch2).watchTopology(WatchTopologyRequest.newBuilder().setHostId("fresh").build(), fresh);
            Harness.await("a snapshot with 20,000 endpoints", Duration.ofSeconds(60),
                    () -> fresh.endpoints.get() == 20000 || fresh.error != null);
            assertEquals(null, fresh.error);
            assertEquals(1, fresh.snapshots.get());

            // a watcher that resumes from before the 20,000 (on the first controller) gets them all, no snapshot
            Watcher resumed = new Watcher();
            FabricServiceGrpc.newStub(ch).watchTopology(WatchTopologyRequest.newBuilder().setHostId("resumed")
                    .setResumeRevision(resumeFrom).build(), resumed);
            Harness.await("the resumed watcher to get 20,000 endpoints", Duration.ofSeconds(60),
                    () -> resumed.endpoints.get() == 20000 || resumed.error != null);
            assertEquals(null, resumed.error);
            // a resume within the history replays deltas, unless the controller started its history over meanwhile
            // (its etcd watch ended and the cache reloaded: then a snapshot is what a resume must get)
            if (c.topologyResets() == resetsBefore) {
                assertEquals(0, resumed.snapshots.get(), "a resume within the history replays deltas");
            } else {
                assertEquals(1, resumed.snapshots.get(), "after a reload a resume gets one snapshot");
            }

            // and allocation still works at once in the full-ish network: the next free address after the 20,000
            String next = FabricServiceGrpc.newBlockingStub(ch2).withDeadlineAfter(20, TimeUnit.SECONDS).allocateAddress(
                    AllocateAddressRequest.newBuilder().setNetworkId("huge").setHostId("h1").setEndpointId("one-more").build())
                    .getEndpoint().getAddress();
            assertEquals("10.220.78.34", next);
            ch.shutdownNow();
            ch2.shutdownNow();
        }
    }

    @Test
    void oversizedFieldsAreRefusedNamingTheFieldAndTheLimit() throws Exception {
        try (Harness harness = new Harness(ETCD.endpoint(), ETCD.uniquePrefix())) {
            Controller c = harness.start(PLAN, Duration.ofSeconds(30), Duration.ofMinutes(10));
            FabricServiceGrpc.FabricServiceBlockingStub fabric = harness.fabric(c);
            Map<String, String> capabilities = new HashMap<>();
            for (int i = 0; i < 33; i++) {
                capabilities.put("k" + i, "v");
            }
            assertRefused("field capabilities has 33 entries, over the limit of 32", () -> fabric.register(RegisterRequest
                    .newBuilder().setHostId("h1").setUnderlayIp("192.0.2.1").putAllCapabilities(capabilities).build()));
            assertRefused("field capabilities['datapath'] is 300 characters long, over the limit of 256", () -> fabric.register(
                    RegisterRequest.newBuilder().setHostId("h1").setUnderlayIp("192.0.2.1")
                            .putCapabilities("datapath", "x".repeat(300)).build()));
            AdminServiceGrpc.AdminServiceBlockingStub admin = harness.admin(c);
            assertRefused("field labels['team'] is 1000 characters long, over the limit of 256", () -> admin.createNetwork(
                    CreateNetworkRequest.newBuilder().setName("n").setSubnet("10.230.0.0/24").putLabels("team", "y".repeat(1000))
                            .build()));
            assertRefused("field endpoint.aliases[1] is 400 characters long, over the limit of 256", () -> fabric.updateEndpoint(
                    UpdateEndpointRequest.newBuilder().setEndpoint(Endpoint.newBuilder().setNetworkId("n").setEndpointId("e")
                            .addAliases("ok").addAliases("z".repeat(400))).build()));
            assertRefused("field name is 257 characters long, over the limit of 256", () -> admin.createNetwork(
                    CreateNetworkRequest.newBuilder().setName("n".repeat(257)).setSubnet("10.230.0.0/24").build()));
            assertTrue(admin.listHosts(io.ovsfabric.proto.v1.ListHostsRequest.getDefaultInstance()).getHostsList().isEmpty(),
                    "nothing was written");
            assertFalse(admin.listNetworks(io.ovsfabric.proto.v1.ListNetworksRequest.getDefaultInstance()).getNetworksList()
                    .stream().anyMatch(n -> n.getName().startsWith("n")));
        }
    }

    private static void assertRefused(String message, Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
            assertTrue(e.getStatus().getDescription().contains(message), e.getStatus().getDescription());
            return;
        }
        throw new AssertionError("expected INVALID_ARGUMENT: " + message);
    }

    private static long ip(String address) {
        String[] p = address.split("\\.");
        return (Long.parseLong(p[0]) << 24) | (Long.parseLong(p[1]) << 16) | (Long.parseLong(p[2]) << 8) | Long.parseLong(p[3]);
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }
}
