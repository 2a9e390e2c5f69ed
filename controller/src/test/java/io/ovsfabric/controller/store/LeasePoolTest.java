package io.ovsfabric.controller.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.MoreExecutors;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LeasePoolTest {
    private static final Duration TTL = Duration.ofSeconds(10);
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final FakeKvStore fake = new FakeKvStore();
    private int single;  // leases granted one by one
    private int ahead;   // leases granted ahead, in batches
    private final KvStore store = (KvStore) java.lang.reflect.Proxy.newProxyInstance(KvStore.class.getClassLoader(),
            new Class<?>[] {KvStore.class}, (proxy, method, args) -> {
                if (method.getName().equals("grantLease")) {
                    single++;
                } else if (method.getName().equals("grantLeases")) {
                    ahead += (Integer) args[1];
                }
                try {
                    return method.invoke(fake, args);
                } catch (java.lang.reflect.InvocationTargetException e) {
                    throw e.getCause();
                }
            });
    private final LeasePool pool = new LeasePool(store, TTL, nanos::get, MoreExecutors.newDirectExecutorService());

    @Test
    void aLoneRegistrationGrantsItsOwnLeaseAndNothingAhead() {
        pool.take();
        nanos.addAndGet(Duration.ofSeconds(5).toNanos());
        pool.take();
        assertEquals(2, single);
        assertEquals(0, ahead);
        assertEquals(0, pool.ready());
    }

    @Test
    void aBurstIsServedFromLeasesGrantedAheadEachHandedOutOnce() {
        Set<Long> handedOut = new HashSet<>();
        for (int i = 0; i < 400; i++) {
            assertTrue(handedOut.add(pool.take()), "a lease handed out twice");
            nanos.addAndGet(Duration.ofMillis(2).toNanos()); // 500 registrations a second
        }
        assertTrue(ahead > 0, "nothing was granted ahead");
        assertTrue(single < 100, "most leases should come from the pool, " + single + " were granted one by one");
        assertTrue(pool.ready() <= LeasePool.MAX_READY);
    }

    @Test
    void leasesOlderThanAnEighthOfTheTtlAreNotHandedOut() {
        for (int i = 0; i < 100; i++) {
            pool.take();
            nanos.addAndGet(Duration.ofMillis(5).toNanos());
        }
        assertNotEquals(0, pool.ready());
        int before = single;
        nanos.addAndGet(TTL.toNanos() / 8 + 1);
        pool.take();
        assertEquals(before + 1, single, "a stale lease was handed out instead of a fresh grant");
    }
}
