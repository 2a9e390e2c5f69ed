package io.ovsfabric.controller.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ovsfabric.common.testing.EtcdExtension;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.ipam.PlanRequest;
import io.ovsfabric.proto.v1.AdminServiceGrpc;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import io.ovsfabric.proto.v1.GetFabricRequest;
import io.ovsfabric.proto.v1.Host;
import io.ovsfabric.proto.v1.HostState;
import io.ovsfabric.proto.v1.KeepAliveRequest;
import io.ovsfabric.proto.v1.ListHostsRequest;
import io.ovsfabric.proto.v1.ListSubnetsRequest;
import io.ovsfabric.proto.v1.ListSubnetsResponse;
import io.ovsfabric.proto.v1.RegisterRequest;
import io.ovsfabric.proto.v1.RegisterResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The controller against a real etcd: concurrency, restarts, config conflicts, liveness and grace. */
class ControllerIT {
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension("ctl");

    private static final Duration TTL = Duration.ofSeconds(2);
    private Harness harness;

    @BeforeEach
    void setUp() {
        harness = new Harness(ETCD.endpoint(), ETCD.uniquePrefix());
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    private static RegisterRequest register(String host, String underlay) {
        return RegisterRequest.newBuilder().setHostId(host).setUnderlayIp(underlay).putCapabilities("datapath", "netdev").build();
    }

    @Test
    void sixteenRegistrantsThroughTwoControllersExhaustASmallPoolWithEverySubnetHandedOutOnce() throws Exception {
        PlanRequest plan = new PlanRequest("10.200.0.0/21", 24, null, null); // 8 subnets, 7 assignable
        Controller a = harness.start(plan, TTL, Duration.ofMinutes(10));
        Controller b = harness.start(plan, TTL, Duration.ofMinutes(10));
        List<FabricServiceGrpc.FabricServiceBlockingStub> stubs = List.of(harness.fabric(a), harness.fabric(b));
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<Object>> results = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            int n = i;
            results.add(pool.submit(() -> {
                go.await();
                try {
                    return stubs.get(n % 2).register(register("h" + n, "192.0.2." + (10 + n)));
                } catch (StatusRuntimeException e) {
                    return e.getStatus();
                }
            }));
        }
        go.countDown();
        Map<String, String> subnetToHost = new ConcurrentHashMap<>();
        int exhausted = 0;
        for (Future<Object> result : results) {
            Object outcome = result.get(60, TimeUnit.SECONDS);
            if (outcome instanceof RegisterResponse ok) {
                String previous = subnetToHost.put(ok.getHost().getSubnet(), ok.getHost().getHostId());
                assertEquals(null, previous, "subnet " + ok.getHost().getSubnet() + " handed out twice");
                assertEquals(1458, ok.getMtu());
            } else {
                Status status = (Status) outcome;
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, status.getCode(), status.toString());
                assertTrue(status.getDescription().contains("holds 8 subnets of /24, 7 assignable"), status.getDescription());
                exhausted++;
            }
        }
        pool.shutdown();
        assertEquals(7, subnetToHost.size());
        assertEquals(9, exhausted);
        assertTrue(!subnetToHost.containsKey("10.200.0.0/24"), "subnet index 0 is never handed out");
        ListSubnetsResponse subnets = harness.admin(a).listSubnets(ListSubnetsRequest.getDefaultInstance());
        assertEquals(7, subnets.getHeldSubnets());
        assertEquals(7, subnets.getTotalSubnets());
        subnets.getAllocationsList().forEach(s -> assertEquals(subnetToHost.get(s.getSubnet()), s.getHostId()));
    }

    @Test
    void aControllerKilledAndRestartedMidRunLosesNoAllocation() throws Exception {
        PlanRequest plan = new PlanRequest("10.200.0.0/16", 24, null, null);
        Controller first = harness.start(plan, TTL, Duration.ofMinutes(10));
        Controller other = harness.start(new PlanRequest(null, null, null, null), TTL, Duration.ofMinutes(10));
        Map<String, String> granted = new ConcurrentHashMap<>();
        AtomicInteger failures = new AtomicInteger();
        FabricServiceGrpc.FabricServiceBlockingStub viaFirst = harness.fabric(first);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> work = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            int n = i;
            work.add(pool.submit(() -> {
                try {
                    RegisterResponse r = viaFirst.register(register("k" + n, "198.51.100." + (10 + n)));
                    granted.put(r.getHost().getHostId(), r.getHost().getSubnet());
                } catch (StatusRuntimeException e) {
                    failures.incrementAndGet(); // in flight while the controller died
                }
            }));
        }
        Harness.await("a few registrations before the kill", Duration.ofSeconds(30), () -> granted.size() >= 4);
        first.kill();
        for (Future<?> f : work) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        Controller restarted = harness.start(new PlanRequest("10.200.0.0/16", 24, null, null), TTL, Duration.ofMinutes(10));

        // Every host registers again (the ones that failed too) through both controllers: each one that got a subnet
        // before the kill gets exactly that subnet back, and no subnet is held twice.
        FabricServiceGrpc.FabricServiceBlockingStub viaRestarted = harness.fabric(restarted);
        FabricServiceGrpc.FabricServiceBlockingStub viaOther = harness.fabric(other);
        Set<String> subnets = new HashSet<>();
        for (int i = 0; i < 24; i++) {
            RegisterResponse r = (i % 2 == 0 ? viaRestarted : viaOther).register(register("k" + i, "198.51.100." + (10 + i)));
            Optional.ofNullable(granted.get("k" + i)).ifPresent(before -> assertEquals(before, r.getHost().getSubnet()));
            assertTrue(subnets.add(r.getHost().getSubnet()), "subnet " + r.getHost().getSubnet() + " held twice");
        }
        assertEquals(24, harness.admin(other).listSubnets(ListSubnetsRequest.getDefaultInstance()).getHeldSubnets());
        assertTrue(granted.size() >= 4, "granted before the kill: " + granted.size() + ", failed: " + failures.get());
    }

    @Test
    void aControllerWithAConflictingFabricConfigRefusesToStartAndNamesTheFields() throws Exception {
        harness.start(new PlanRequest("10.200.0.0/16", 24, 5L, 1500), TTL, Duration.ofMinutes(10));
        FabricException e = assertThrows(FabricException.class,
                () -> harness.start(new PlanRequest("10.201.0.0/16", 26, 5L, 1500), TTL, Duration.ofMinutes(10)));
        assertEquals(FabricException.Code.REFUSED, e.code());
        assertTrue(e.getMessage().contains("--fabric-cidr: stored 10.200.0.0/16, given 10.201.0.0/16"), e.getMessage());
        assertTrue(e.getMessage().contains("--host-prefix: stored 24, given 26"), e.getMessage());
        assertTrue(!e.getMessage().contains("--tunnel-key"), e.getMessage());
        Controller adopting = harness.start(new PlanRequest(null, null, null, null), TTL, Duration.ofMinutes(10));
        assertEquals("10.200.0.0/16", harness.admin(adopting).getFabric(GetFabricRequest.getDefaultInstance()).getConfig().getFabricCidr());
    }

    @Test
    void leaseExpiryMovesAHostDownAndItsSubnetStaysReservedUntilTheGracePeriodEnds() throws Exception {
        Duration grace = Duration.ofSeconds(5);
        Controller c = harness.start(new PlanRequest("10.200.0.0/23", 24, null, null), TTL, grace); // 1 assignable subnet
        FabricServiceGrpc.FabricServiceBlockingStub fabric = harness.fabric(c);
        AdminServiceGrpc.AdminServiceBlockingStub admin = harness.admin(c);
        RegisterResponse h1 = fabric.register(register("h1", "192.0.2.11"));
        assertEquals("10.200.1.0/24", h1.getHost().getSubnet());
        assertTrue(fabric.keepAlive(KeepAliveRequest.newBuilder().setHostId("h1").setLeaseId(h1.getLeaseId()).build()).getTtlSeconds() > 0);

        // no more keep-alives: the lease expires, the leader stamps the host DOWN
        Harness.await("h1 DOWN with its grace period started", Duration.ofSeconds(30), () -> {
            Host h = admin.listHosts(ListHostsRequest.getDefaultInstance()).getHosts(0);
            return h.getState() == HostState.HOST_STATE_DOWN && h.getDownSinceUnixMs() > 0;
        });
        Host down = admin.listHosts(ListHostsRequest.getDefaultInstance()).getHosts(0);
        assertEquals(down.getDownSinceUnixMs() + grace.toMillis(), down.getReclaimableAtUnixMs());
        StatusRuntimeException gone = assertThrows(StatusRuntimeException.class,
                () -> fabric.keepAlive(KeepAliveRequest.newBuilder().setHostId("h1").setLeaseId(h1.getLeaseId()).build()));
        assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());

        // while h1 is within its grace period, its subnet is not handed to anyone else
        StatusRuntimeException full = assertThrows(StatusRuntimeException.class, () -> fabric.register(register("h2", "192.0.2.12")));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, full.getStatus().getCode());
        assertTrue(full.getStatus().getDescription().contains("1 down within their grace period"), full.getStatus().getDescription());

        // after the grace period the leader reclaims it, and h2 gets it
        Harness.await("h1's subnet reclaimed", Duration.ofSeconds(30),
                () -> admin.listHosts(ListHostsRequest.getDefaultInstance()).getHostsCount() == 0);
        RegisterResponse h2 = fabric.register(register("h2", "192.0.2.12"));
        assertEquals("10.200.1.0/24", h2.getHost().getSubnet());
        assertTrue(h2.getHost().getRegisteredAtUnixMs() >= down.getReclaimableAtUnixMs(), "reused only after the grace period");
    }

    @Test
    void aDifferentUnderlayForALiveHostIsRefusedNamingTheHolder() throws Exception {
        Controller c = harness.start(new PlanRequest("10.200.0.0/16", 24, null, null), TTL, Duration.ofMinutes(10));
        harness.fabric(c).register(register("h1", "192.0.2.11"));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> harness.fabric(c).register(register("h1", "192.0.2.99")));
        assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("live host at underlay IP 192.0.2.11"), e.getStatus().getDescription());
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> harness.fabric(c).register(register("h_1", "192.0.2.11")));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
        StatusRuntimeException inside = assertThrows(StatusRuntimeException.class, () -> harness.fabric(c).register(register("h3", "10.200.7.7")));
        assertEquals(Status.Code.INVALID_ARGUMENT, inside.getStatus().getCode());
        assertTrue(inside.getStatus().getDescription().contains("inside the fabric CIDR"), inside.getStatus().getDescription());
    }

    @Test
    void oneOfSeveralControllersLeadsAndAnotherTakesOverWhenItDies() throws Exception {
        PlanRequest plan = new PlanRequest("10.200.0.0/16", 24, null, null);
        Controller a = harness.start(plan, TTL, Duration.ofMinutes(10));
        Controller b = harness.start(plan, TTL, Duration.ofMinutes(10));
        Harness.await("a leader", Duration.ofSeconds(20), () -> a.isLeader() || b.isLeader());
        assertTrue(!(a.isLeader() && b.isLeader()), "exactly one leader");
        Controller leader = a.isLeader() ? a : b;
        Controller follower = leader == a ? b : a;
        assertEquals(leader.controllerId(), harness.admin(follower).getFabric(GetFabricRequest.getDefaultInstance()).getLeader());
        leader.kill();
        Harness.await("the follower takes over after the leader's lease expires", Duration.ofSeconds(30), follower::isLeader);
    }
}
