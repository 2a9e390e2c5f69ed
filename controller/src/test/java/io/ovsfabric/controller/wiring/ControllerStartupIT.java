package io.ovsfabric.controller.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ovsfabric.common.testing.EtcdProcess;
import io.ovsfabric.controller.ipam.PlanRequest;
import io.ovsfabric.proto.v1.GetFabricRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** A controller started before etcd keeps retrying (logging each attempt) and serves once etcd is up. */
class ControllerStartupIT {

    @Test
    void startsOnceEtcdComesUp() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.create("ctl"); Harness harness = new Harness(etcdUrl(etcd), "/ofx-ctl-startup/v1/")) {
            CompletableFuture<Controller> starting = CompletableFuture.supplyAsync(() -> {
                try {
                    return harness.start(new PlanRequest("10.200.0.0/16", 24, null, null), Duration.ofSeconds(3), Duration.ofMinutes(1));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            // etcd is down: start() must keep retrying (it logs each attempt), neither failing nor returning
            assertThrows(TimeoutException.class, () -> starting.get(3, TimeUnit.SECONDS));
            assertFalse(starting.isDone(), "must not give up (nor start) while etcd is down");
            etcd.start();
            Controller controller = starting.get(60, TimeUnit.SECONDS);
            assertEquals("10.200.0.0/16", harness.admin(controller).getFabric(GetFabricRequest.getDefaultInstance()).getConfig().getFabricCidr());
        }
    }

    private static String etcdUrl(EtcdProcess etcd) {
        return etcd.endpoint();
    }
}
