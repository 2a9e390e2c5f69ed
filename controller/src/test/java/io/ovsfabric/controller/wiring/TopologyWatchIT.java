package io.ovsfabric.controller.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Context;
import io.etcd.jetcd.Client;
import io.ovsfabric.common.testing.EtcdExtension;
import io.ovsfabric.controller.ipam.PlanRequest;
import io.ovsfabric.proto.v1.DeregisterRequest;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import io.ovsfabric.proto.v1.HostState;
import io.ovsfabric.proto.v1.RegisterRequest;
import io.ovsfabric.proto.v1.RegisterResponse;
import io.ovsfabric.proto.v1.TopologyChange;
import io.ovsfabric.proto.v1.TopologyEvent;
import io.ovsfabric.proto.v1.WatchTopologyRequest;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** WatchTopology over gRPC against a real etcd: snapshot, ordered deltas, exact resume, compaction fallback. */
class TopologyWatchIT {
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension("ctl");

    @Test
    void snapshotThenDeltasThenExactResumeThenSnapshotAfterCompaction() throws Exception {
        try (Harness harness = new Harness(ETCD.endpoint(), ETCD.uniquePrefix())) {
            Controller c = harness.start(new PlanRequest("10.200.0.0/16", 24, 42L, null), Duration.ofSeconds(5), Duration.ofMinutes(10));
            FabricServiceGrpc.FabricServiceBlockingStub fabric = harness.fabric(c);
            RegisterResponse h1 = fabric.register(RegisterRequest.newBuilder().setHostId("h1").setUnderlayIp("192.0.2.11").build());

            long lastApplied;
            try (Context.CancellableContext watch = Context.current().withCancellation()) {
                Iterator<TopologyEvent> stream = watch.call(() -> FabricServiceGrpc.newBlockingStub(harness.channel(c))
                        .watchTopology(WatchTopologyRequest.newBuilder().setHostId("h9").build()));
                TopologyEvent snapshot = stream.next();
                assertTrue(snapshot.hasSnapshot());
                assertEquals(42, snapshot.getSnapshot().getConfig().getTunnelKey());
                // the snapshot is the controller's watch cache at that moment: h1's registration (answered already)
                // may reach the cache a moment later, and then comes as the first delta
                io.ovsfabric.proto.v1.Host h1Seen = snapshot.getSnapshot().getHostsCount() > 0
                        ? snapshot.getSnapshot().getHosts(0) : stream.next().getDelta().getChanges(0).getHostUpserted();
                assertEquals("h1", h1Seen.getHostId());
                assertEquals(HostState.HOST_STATE_UP, h1Seen.getState());

                fabric.register(RegisterRequest.newBuilder().setHostId("h2").setUnderlayIp("192.0.2.12").build());
                TopologyEvent added = stream.next();
                assertTrue(added.getRevision() > snapshot.getRevision());
                assertEquals("h2", added.getDelta().getChanges(0).getHostUpserted().getHostId());

                fabric.deregister(DeregisterRequest.newBuilder().setHostId("h1").setLeaseId(h1.getLeaseId()).build());
                TopologyEvent down = stream.next();
                assertTrue(down.getRevision() > added.getRevision());
                TopologyChange change = down.getDelta().getChanges(0);
                assertEquals("h1", change.getHostUpserted().getHostId());
                assertEquals(HostState.HOST_STATE_DOWN, change.getHostUpserted().getState());
                lastApplied = down.getRevision();
                while (down.getDelta().getChangesCount() > 0 && !down.getDelta().getChanges(0).getHostUpserted().hasField(
                        io.ovsfabric.proto.v1.Host.getDescriptor().findFieldByName("down_since_unix_ms"))) {
                    down = stream.next(); // the deregister writes down_since in a second revision
                    lastApplied = down.getRevision();
                }
                watch.cancel(null);
            }

            // while disconnected: h3 arrives
            fabric.register(RegisterRequest.newBuilder().setHostId("h3").setUnderlayIp("192.0.2.13").build());
            try (Context.CancellableContext watch = Context.current().withCancellation()) {
                long from = lastApplied;
                Iterator<TopologyEvent> resumed = watch.call(() -> FabricServiceGrpc.newBlockingStub(harness.channel(c))
                        .watchTopology(WatchTopologyRequest.newBuilder().setHostId("h9").setResumeRevision(from).build()));
                TopologyEvent next = resumed.next();
                assertFalse(next.hasSnapshot(), "a resume gets deltas, not a snapshot");
                assertEquals("h3", next.getDelta().getChanges(0).getHostUpserted().getHostId(), "nothing replayed, nothing missed");
                watch.cancel(null);
            }

            try (Client etcd = Client.builder().endpoints(ETCD.endpoint()).build()) {
                long now = etcd.getKVClient().get(io.etcd.jetcd.ByteSequence.from("x".getBytes())).get(5, TimeUnit.SECONDS)
                        .getHeader().getRevision();
                etcd.getKVClient().compact(now).get(5, TimeUnit.SECONDS);
            }
            // a controller started after the compaction has no history back to lastApplied (nor has etcd)
            Controller later = harness.start(new PlanRequest("10.200.0.0/16", 24, 42L, null), Duration.ofSeconds(5), Duration.ofMinutes(10));
            try (Context.CancellableContext watch = Context.current().withCancellation()) {
                long from = lastApplied;
                Iterator<TopologyEvent> afterCompaction = watch.call(() -> FabricServiceGrpc.newBlockingStub(harness.channel(later))
                        .watchTopology(WatchTopologyRequest.newBuilder().setHostId("h9").setResumeRevision(from).build()));
                TopologyEvent fresh = afterCompaction.next();
                assertTrue(fresh.hasSnapshot(), "a resume revision older than the controller's history gets a fresh snapshot");
                assertEquals(3, fresh.getSnapshot().getHostsCount());
                watch.cancel(null);
            }
        }
    }
}
