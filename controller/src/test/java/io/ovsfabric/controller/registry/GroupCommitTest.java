package io.ovsfabric.controller.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.controller.model.EndpointRecord;
import io.ovsfabric.controller.store.TxnResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GroupCommitTest {
    private static final String LANE = "net1@7";

    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void aLoneAllocationCommitsAtOnceAlone() {
        GroupCommit<EndpointRecord> group = group(recording(batch -> true, null));

        TxnResult result = commit(group, endpoint("a", 2));

        assertTrue(result.succeeded());
        assertEquals(List.of(List.of("a")), calls);
    }

    @Test
    void allocationsArrivingWhileBothSlotsAreBusyShareOneTransaction() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        GroupCommit<EndpointRecord> group = group(recording(batch -> true, release));

        List<Future<TxnResult>> results = new ArrayList<>();
        results.add(pool.submit(() -> commit(group, endpoint("first", 2))));
        results.add(pool.submit(() -> commit(group, endpoint("second", 3))));
        awaitCalls(2); // both slots taken, both blocked in etcd
        for (int i = 0; i < 8; i++) {
            int n = i;
            results.add(pool.submit(() -> commit(group, endpoint("e" + n, 10 + n))));
        }
        Thread.sleep(200); // let the eight queue up behind the two
        release.countDown();
        for (Future<TxnResult> f : results) {
            assertTrue(f.get(5, TimeUnit.SECONDS).succeeded());
        }

        assertEquals(3, calls.size(), "two lone transactions, then one for the eight that waited: " + calls);
        assertEquals(8, calls.get(2).size());
        assertEquals(10, calls.stream().mapToInt(List::size).sum(), "every allocation written once");
    }

    @Test
    void aLostBatchLetsEachMemberCommitAgainAlone() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        // another controller took e1's address: every transaction holding e1 fails
        GroupCommit<EndpointRecord> group = group(recording(batch -> !batch.contains("e1"), release));

        List<Future<TxnResult>> results = new ArrayList<>();
        results.add(pool.submit(() -> commit(group, endpoint("first", 2))));
        results.add(pool.submit(() -> commit(group, endpoint("second", 3))));
        awaitCalls(2);
        for (int i = 0; i < 4; i++) {
            int n = i;
            results.add(pool.submit(() -> commit(group, endpoint("e" + n, 10 + n))));
        }
        Thread.sleep(200);
        release.countDown();

        for (int i = 0; i < results.size(); i++) {
            boolean lost = i == 3; // e1
            assertEquals(!lost, results.get(i).get(5, TimeUnit.SECONDS).succeeded(), "allocation " + i);
        }
        assertTrue(calls.contains(List.of("e0")) && calls.contains(List.of("e1")) && calls.contains(List.of("e3")),
                "each member of the lost batch committed alone: " + calls);
    }

    @Test
    void aBatchNeverHoldsOneHandleTwice() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        GroupCommit<EndpointRecord> group = group(recording(batch -> true, release));

        List<Future<TxnResult>> results = new ArrayList<>();
        results.add(pool.submit(() -> commit(group, endpoint("first", 2))));
        results.add(pool.submit(() -> commit(group, endpoint("second", 3))));
        awaitCalls(2);
        results.add(pool.submit(() -> commit(group, endpoint("retried", 10))));
        Thread.sleep(100);
        results.add(pool.submit(() -> commit(group, endpoint("retried", 11)))); // the same handle, raced
        Thread.sleep(200);
        release.countDown();
        for (Future<TxnResult> f : results) {
            f.get(5, TimeUnit.SECONDS);
        }

        for (List<String> call : calls) {
            assertEquals(call.stream().distinct().count(), call.size(), "a handle twice in one transaction: " + call);
        }
    }

    @Test
    void anInterruptedWaiterLeavesTheQueueAndTheWritesBehindItStillCommit() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        GroupCommit<EndpointRecord> group = group(recording(batch -> true, release));
        pool.submit(() -> commit(group, endpoint("first", 2)));
        pool.submit(() -> commit(group, endpoint("second", 3)));
        awaitCalls(2);
        Future<TxnResult> interrupted = pool.submit(() -> commit(group, endpoint("interrupted", 10)));
        Thread.sleep(100); // first in the queue, behind the two busy slots
        Future<TxnResult> behind = pool.submit(() -> commit(group, endpoint("behind", 11)));
        Thread.sleep(100);
        interrupted.cancel(true);
        release.countDown();

        assertTrue(behind.get(5, TimeUnit.SECONDS).succeeded());
        assertFalse(calls.stream().anyMatch(c -> c.contains("interrupted")), "the interrupted write was never sent: " + calls);
    }

    @Test
    void aFailedTransactionReachesEveryMember() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        GroupCommit<EndpointRecord> group = group(records -> {
            List<String> handles = records.stream().map(EndpointRecord::endpointId).toList();
            calls.add(handles);
            await(release);
            // by content, not by call count: the batch of a and b may start before the second slot's call returns
            if (handles.contains("a") || handles.contains("b")) {
                throw new IllegalStateException("etcd did not answer");
            }
            return new TxnResult(true, 100);
        });
        pool.submit(() -> commit(group, endpoint("first", 2)));
        pool.submit(() -> commit(group, endpoint("second", 3)));
        awaitCalls(2);
        Future<TxnResult> a = pool.submit(() -> commit(group, endpoint("a", 10)));
        Future<TxnResult> b = pool.submit(() -> commit(group, endpoint("b", 11)));
        Thread.sleep(200);
        release.countDown();

        for (Future<TxnResult> f : List.of(a, b)) {
            Exception e = assertThrows(Exception.class, () -> f.get(5, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof IllegalStateException, e.toString());
        }
        assertTrue(calls.stream().anyMatch(c -> Set.copyOf(c).equals(Set.of("a", "b"))),
                "a and b shared one transaction: " + calls);
        assertFalse(calls.stream().anyMatch(c -> c.equals(List.of("a"))), "an unknown outcome is not retried here: " + calls);
    }

    private static GroupCommit<EndpointRecord> group(GroupCommit.Committer<EndpointRecord> committer) {
        return new GroupCommit<>(committer, e -> Set.of("handle " + e.endpointId(), e.address()));
    }

    private static TxnResult commit(GroupCommit<EndpointRecord> group, EndpointRecord e) {
        return group.commit(LANE, e);
    }

    private GroupCommit.Committer<EndpointRecord> recording(Predicate<List<String>> applies, CountDownLatch release) {
        return records -> {
            List<String> handles = records.stream().map(EndpointRecord::endpointId).toList();
            calls.add(handles);
            if (release != null) {
                await(release);
            }
            return new TxnResult(applies.test(handles), 100 + calls.size());
        };
    }

    private void awaitCalls(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (calls.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(n, calls.size());
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static EndpointRecord endpoint(String handle, int hostOffset) {
        return new EndpointRecord("net1", handle, HostId.of("h1"), Ipv4Address.parse("10.9.0." + hostOffset), "", "", "",
                List.of(), 0L);
    }
}
