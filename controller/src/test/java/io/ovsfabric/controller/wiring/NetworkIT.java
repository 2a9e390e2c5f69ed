package io.ovsfabric.controller.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ovsfabric.common.testing.EtcdExtension;
import io.ovsfabric.controller.ipam.PlanRequest;
import io.ovsfabric.proto.v1.AdminServiceGrpc;
import io.ovsfabric.proto.v1.AllocateAddressRequest;
import io.ovsfabric.proto.v1.AllocateAddressResponse;
import io.ovsfabric.proto.v1.CreateNetworkRequest;
import io.ovsfabric.proto.v1.DeleteNetworkRequest;
import io.ovsfabric.proto.v1.Endpoint;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import io.ovsfabric.proto.v1.ListEndpointsRequest;
import io.ovsfabric.proto.v1.Network;
import io.ovsfabric.proto.v1.RegisterRequest;
import io.ovsfabric.proto.v1.ReleaseAddressRequest;
import io.ovsfabric.proto.v1.TopologyChange;
import io.ovsfabric.proto.v1.TopologyEvent;
import io.ovsfabric.proto.v1.UpdateEndpointRequest;
import io.ovsfabric.proto.v1.WatchTopologyRequest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** User networks and endpoint addresses against a real etcd, through two controllers. */
class NetworkIT {
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension("ctl");

    private Harness harness;
    private Controller a;
    private Controller b;

    @BeforeEach
    void setUp() throws Exception {
        harness = new Harness(ETCD.endpoint(), ETCD.uniquePrefix());
        PlanRequest plan = new PlanRequest("10.200.0.0/16", 24, null, null);
        a = harness.start(plan, Duration.ofSeconds(10), Duration.ofMinutes(10));
        b = harness.start(plan, Duration.ofSeconds(10), Duration.ofMinutes(10));
        for (int h = 1; h <= 3; h++) {
            harness.fabric(a).register(RegisterRequest.newBuilder().setHostId("h" + h).setUnderlayIp("192.0.2.1" + h).build());
        }
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    private static AllocateAddressRequest alloc(String net, String host, String endpoint) {
        return AllocateAddressRequest.newBuilder().setNetworkId(net).setHostId(host).setEndpointId(endpoint).build();
    }

    @Test
    void racingHostsThroughTwoControllersNeverGetTheSameAddress() throws Exception {
        Network net = harness.admin(a).createNetwork(CreateNetworkRequest.newBuilder().setName("appnet").setSubnet("10.201.0.0/26").build())
                .getNetwork(); // 61 endpoint addresses
        List<FabricServiceGrpc.FabricServiceBlockingStub> stubs = List.of(harness.fabric(a), harness.fabric(b));
        ExecutorService pool = Executors.newFixedThreadPool(12);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Object>> results = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            int n = i;
            results.add(pool.submit(() -> {
                go.await();
                try {
                    return stubs.get(n % 2).allocateAddress(alloc(n % 2 == 0 ? net.getId() : "appnet", "h" + (1 + n % 3), "ep-" + n));
                } catch (StatusRuntimeException e) {
                    return e.getStatus();
                }
            }));
        }
        go.countDown();
        Set<String> addresses = new HashSet<>();
        int exhausted = 0;
        for (Future<Object> f : results) {
            Object r = f.get(60, TimeUnit.SECONDS);
            if (r instanceof AllocateAddressResponse ok) {
                assertTrue(addresses.add(ok.getEndpoint().getAddress()), "address " + ok.getEndpoint().getAddress() + " handed out twice");
                assertEquals(26, ok.getPrefixLength());
                assertEquals("10.201.0.1", ok.getGateway());
            } else {
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, ((Status) r).getCode(), r.toString());
                exhausted++;
            }
        }
        pool.shutdown();
        assertEquals(61, addresses.size());
        assertEquals(3, exhausted);
        assertTrue(!addresses.contains("10.201.0.1") && !addresses.contains("10.201.0.0") && !addresses.contains("10.201.0.63"));
        List<Endpoint> listed = harness.admin(b).listEndpoints(ListEndpointsRequest.newBuilder().setNetwork("appnet").build()).getEndpointsList();
        assertEquals(61, listed.size());
        assertEquals(61, listed.stream().map(Endpoint::getAddress).distinct().count());
    }

    @Test
    void allocationIsIdempotentByHandleAndReleaseIsIdempotent() {
        harness.admin(a).createNetwork(CreateNetworkRequest.newBuilder().setName("n1").setSubnet("10.201.0.0/24").build());
        FabricServiceGrpc.FabricServiceBlockingStub fabric = harness.fabric(b);
        AllocateAddressResponse first = fabric.allocateAddress(alloc("n1", "h1", "ep1"));
        assertEquals(first.getEndpoint().getAddress(), harness.fabric(a).allocateAddress(alloc("n1", "h1", "ep1")).getEndpoint().getAddress());
        AllocateAddressResponse preferred = fabric.allocateAddress(alloc("n1", "h2", "ep2").toBuilder().setPreferredAddress("10.201.0.200").build());
        assertEquals("10.201.0.200", preferred.getEndpoint().getAddress());
        StatusRuntimeException held = assertThrows(StatusRuntimeException.class,
                () -> fabric.allocateAddress(alloc("n1", "h3", "ep3").toBuilder().setPreferredAddress("10.201.0.200").build()));
        assertEquals(Status.Code.ALREADY_EXISTS, held.getStatus().getCode());
        StatusRuntimeException noNet = assertThrows(StatusRuntimeException.class, () -> fabric.allocateAddress(alloc("nope", "h1", "x")));
        assertEquals(Status.Code.NOT_FOUND, noNet.getStatus().getCode());
        fabric.releaseAddress(ReleaseAddressRequest.newBuilder().setNetworkId("n1").setEndpointId("ep1").build());
        fabric.releaseAddress(ReleaseAddressRequest.newBuilder().setNetworkId("n1").setEndpointId("ep1").build());
        fabric.releaseAddress(ReleaseAddressRequest.newBuilder().setNetworkId("n1").setAddress("10.201.0.200").build());
        assertEquals(0, harness.admin(a).listEndpoints(ListEndpointsRequest.getDefaultInstance()).getEndpointsCount());
    }

    @Test
    void topologyCarriesNetworkAndEndpointChangesAndDeleteReleasesEverything() throws Exception {
        AdminServiceGrpc.AdminServiceBlockingStub admin = harness.admin(a);
        FabricServiceGrpc.FabricServiceBlockingStub fabric = harness.fabric(b);
        try (Context.CancellableContext watch = Context.current().withCancellation()) {
            Iterator<TopologyEvent> stream = watch.call(() -> FabricServiceGrpc.newBlockingStub(harness.channel(a))
                    .watchTopology(WatchTopologyRequest.newBuilder().setHostId("h1").build()));
            assertTrue(stream.next().hasSnapshot());
            Changes changes = new Changes(stream);

            Network net = admin.createNetwork(CreateNetworkRequest.newBuilder().setName("web").setSubnet("10.202.0.0/24").build()).getNetwork();
            Network other = admin.createNetwork(CreateNetworkRequest.newBuilder().setName("db").setSubnet("10.203.0.0/24").build()).getNetwork();
            assertNotEquals(net.getTunnelKey(), other.getTunnelKey());
            assertEquals("web", changes.next().getNetworkUpserted().getName());
            assertEquals("db", changes.next().getNetworkUpserted().getName());

            AllocateAddressResponse ep = fabric.allocateAddress(alloc("web", "h2", "ep-web-1"));
            TopologyChange upserted = changes.next();
            assertEquals(ep.getEndpoint().getAddress(), upserted.getEndpointUpserted().getAddress());
            assertEquals("h2", upserted.getEndpointUpserted().getHostId());

            fabric.updateEndpoint(UpdateEndpointRequest.newBuilder().setEndpoint(ep.getEndpoint().toBuilder()
                    .setContainerName("web1").setMac("02:42:0a:ca:00:02").addAliases("www")).build());
            assertEquals("web1", changes.next().getEndpointUpserted().getContainerName());

            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                    () -> admin.deleteNetwork(DeleteNetworkRequest.newBuilder().setNameOrId("web").build()));
            assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
            assertEquals(1, admin.deleteNetwork(DeleteNetworkRequest.newBuilder().setNameOrId("web").setForce(true).build()).getReleasedAddresses());
            List<TopologyChange> removal = changes.next(2);
            assertTrue(removal.stream().anyMatch(c -> c.getNetworkRemoved().equals(net.getId())), removal.toString());
            assertTrue(removal.stream().anyMatch(c -> c.getEndpointRemoved().getEndpointId().equals("ep-web-1")), removal.toString());
            watch.cancel(null);
        }
    }

    /**
     * The stream's network and endpoint changes one at a time, whichever deltas carry them: the controller may batch
     * changes that land close together (both networks in one delta). Host changes are skipped: the hosts registered in
     * setUp can reach this watch late (the cache lags the register) or go DOWN (nothing heartbeats their 10 s leases
     * on a slow CI machine), and neither is what this test is about.
     */
    private static final class Changes {
        private final Iterator<TopologyEvent> stream;
        private final Deque<TopologyChange> pending = new ArrayDeque<>();

        Changes(Iterator<TopologyEvent> stream) {
            this.stream = stream;
        }

        TopologyChange next() {
            while (pending.isEmpty()) {
                stream.next().getDelta().getChangesList().stream()
                        .filter(c -> !c.hasHostUpserted() && c.getChangeCase() != TopologyChange.ChangeCase.HOST_REMOVED)
                        .forEach(pending::add);
            }
            return pending.poll();
        }

        List<TopologyChange> next(int count) {
            List<TopologyChange> changes = new ArrayList<>();
            while (changes.size() < count) {
                changes.add(next());
            }
            return changes;
        }
    }
}
