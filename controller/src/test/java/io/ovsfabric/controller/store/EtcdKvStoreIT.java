package io.ovsfabric.controller.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Context;
import io.ovsfabric.common.testing.EtcdExtension;
import io.ovsfabric.common.testing.Poll;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.wiring.Harness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The KvStore contract against a real etcd (the same behaviour FakeKvStore implements for unit tests). */
class EtcdKvStoreIT {
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension("ctl");

    private EtcdKvStore store;
    private String p;

    @BeforeEach
    void setUp() {
        store = new EtcdKvStore(List.of(ETCD.endpoint()), Duration.ofSeconds(5));
        p = ETCD.uniquePrefix();
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    @Test
    void createIfAbsentAndCompareAndSwap() {
        Txn create = Txn.when(Txn.Cmp.absent(p + "a")).then(Txn.Op.put(p + "a", "1"));
        assertTrue(store.commit(create).succeeded());
        assertFalse(store.commit(create).succeeded(), "second create of the same key fails");
        KeyValue a = store.get(p + "a").orElseThrow();
        assertEquals("1", a.value());
        assertTrue(store.commit(Txn.when(Txn.Cmp.modRevision(p + "a", a.modRevision())).then(Txn.Op.put(p + "a", "2"))).succeeded());
        assertFalse(store.commit(Txn.when(Txn.Cmp.modRevision(p + "a", a.modRevision())).then(Txn.Op.put(p + "a", "3"))).succeeded(),
                "a stale revision loses");
        assertEquals("2", store.get(p + "a").orElseThrow().value());
        store.commit(Txn.when().then(Txn.Op.put(p + "d/1", "x"), Txn.Op.put(p + "d/2", "y")));
        assertEquals(2, store.getPrefix(p + "d/").kvs().size());
        store.commit(Txn.when().then(Txn.Op.deletePrefix(p + "d/")));
        assertEquals(0, store.getPrefix(p + "d/").kvs().size());
    }

    @Test
    void leasesKeepKeysAliveAndRevokingDeletesThem() {
        long lease = store.grantLease(Duration.ofSeconds(5));
        store.commit(Txn.when().then(Txn.Op.put(p + "live", "x", lease)));
        assertEquals(lease, store.get(p + "live").orElseThrow().leaseId());
        assertTrue(store.keepAliveOnce(lease) > 0);
        store.revokeLease(lease);
        assertTrue(store.get(p + "live").isEmpty());
        store.revokeLease(lease); // absent: fine
        FabricException e = assertThrows(FabricException.class, () -> store.keepAliveOnce(lease));
        assertEquals(FabricException.Code.NOT_FOUND, e.code());
    }

    @Test
    void keepAlivesOfManyLeasesAtOnceShareTheStreamsAndEachGetsItsOwnAnswer() throws Exception {
        List<Long> leases = store.grantLeases(Duration.ofSeconds(30), 64);
        long revoked = store.grantLease(Duration.ofSeconds(30));
        store.revokeLease(revoked);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Long>> answers = new ArrayList<>();
            for (int round = 0; round < 5; round++) {
                for (long lease : leases) {
                    answers.add(pool.submit(() -> store.keepAliveOnce(lease)));
                }
                answers.add(pool.submit(() -> {
                    FabricException e = assertThrows(FabricException.class, () -> store.keepAliveOnce(revoked));
                    assertEquals(FabricException.Code.NOT_FOUND, e.code(), e.getMessage());
                    return 30L;
                }));
            }
            for (Future<Long> answer : answers) {
                long ttl = answer.get(20, TimeUnit.SECONDS);
                assertTrue(ttl > 20 && ttl <= 30, "a kept-alive 30 s lease answers a TTL near 30, got " + ttl);
            }
        } finally {
            pool.shutdownNow();
        }
        leases.forEach(store::revokeLease);
    }

    @Test
    void aKeepAliveStreamOpenedInsideAGrpcCallOutlivesThatCall() throws Exception {
        long lease = store.grantLease(Duration.ofSeconds(60));
        // as in the controller: the first keep-alive of a stream is sent from a handler, in that call's context
        Context.CancellableContext agentCall = Context.current().withCancellation();
        assertTrue(agentCall.call(() -> store.keepAliveOnce(lease)) > 0);
        agentCall.cancel(null); // the agent's KeepAlive call has completed
        for (int i = 0; i < 20; i++) {
            assertTrue(store.keepAliveOnce(lease) > 0, "keep-alive " + i + " after the first call's context ended");
        }
        store.revokeLease(lease);
    }

    @Test
    void aKeepAliveStreamBrokenByAnEtcdRestartIsOpenedAgain() {
        long lease = store.grantLease(Duration.ofSeconds(60));
        assertTrue(store.keepAliveOnce(lease) > 0);
        ETCD.etcd().kill();
        ETCD.etcd().start();
        // the first keep-alive may meet the dead stream (UNAVAILABLE); one opened after it answers
        AtomicReference<String> last = new AtomicReference<>("no keep-alive tried yet");
        long ttl = Poll.until("a keep-alive answered after the etcd restart", Duration.ofSeconds(20), () -> {
            try {
                return Optional.of(store.keepAliveOnce(lease));
            } catch (FabricException e) {
                assertEquals(FabricException.Code.UNAVAILABLE, e.code(), e.getMessage());
                last.set(e.getMessage());
                return Optional.empty();
            }
        }, last::get);
        assertTrue(ttl > 0);
        store.revokeLease(lease);
    }

    @Test
    void watchDeliversEventsGroupedByRevisionFromAStartRevisionAndReportsCompaction() throws Exception {
        long start = store.commit(Txn.when().then(Txn.Op.put(p + "w/1", "a"))).revision();
        store.commit(Txn.when().then(Txn.Op.put(p + "w/2", "b"), Txn.Op.delete(p + "w/1")));
        List<Long> revisions = new CopyOnWriteArrayList<>();
        List<KvEvent> events = new CopyOnWriteArrayList<>();
        AtomicLong compactedAt = new AtomicLong();
        WatchListener listener = new WatchListener() {
            @Override
            public void onEvents(long revision, List<KvEvent> batch) {
                revisions.add(revision);
                events.addAll(batch);
            }

            @Override
            public void onCompacted(long compactRevision) {
                compactedAt.set(compactRevision);
            }

            @Override
            public void onError(FabricException error) {
                throw new AssertionError(error);
            }
        };
        try (KvStore.WatchHandle watch = store.watch(p + "w/", start, listener)) {
            Harness.await("two revisions replayed", Duration.ofSeconds(10), () -> revisions.size() == 2);
            assertEquals(List.of(start, start + 1), revisions);
            assertEquals(KvEvent.Type.PUT, events.get(0).type());
            assertEquals(KvEvent.Type.DELETE, events.get(2).type());
            assertEquals(p + "w/1", events.get(2).kv().key());
        }
        long now = store.commit(Txn.when().then(Txn.Op.put(p + "w/3", "c"))).revision();
        store.client().getKVClient().compact(now).get(5, TimeUnit.SECONDS);
        assertEquals(FabricException.Code.COMPACTED,
                assertThrows(FabricException.class, () -> store.getPrefix(p + "w/", start)).code());
        try (KvStore.WatchHandle stale = store.watch(p + "w/", start, listener)) {
            Harness.await("compaction reported", Duration.ofSeconds(10), () -> compactedAt.get() > 0);
        }
    }
}
