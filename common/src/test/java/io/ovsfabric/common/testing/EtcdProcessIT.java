package io.ovsfabric.common.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EtcdProcessIT {

    @Test
    void startsKillsRestartsAndCleansUp() {
        EtcdProcess etcd = EtcdProcess.create("ctl");
        try {
            etcd.start();
            assertTrue(etcd.isRunning());
            assertTrue(etcd.name().startsWith("ofx-ctl-etcd-"), etcd.name());
            etcd.kill();
            assertFalse(etcd.isRunning());
            etcd.start();
            assertTrue(etcd.isRunning(), etcd.logTail(20));
        } finally {
            etcd.close();
        }
        assertFalse(etcd.isRunning());
    }
}
