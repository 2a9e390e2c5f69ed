package io.ovsfabric.common.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension giving a test class one real etcd for all its tests:
 * <pre>
 * &#64;RegisterExtension static final EtcdExtension ETCD = new EtcdExtension("ctl");
 * ... ETCD.endpoint() ... ETCD.etcd().kill(); ETCD.etcd().start();
 * </pre>
 * Tests sharing it should use their own key prefix ({@link #uniquePrefix()}). The process and its data dir are
 * removed after the class, even when tests fail.
 */
public final class EtcdExtension implements BeforeAllCallback, AfterAllCallback {
    private final String tag;
    private EtcdProcess etcd;

    /** @param tag the helper tag that names every resource the test creates (ctl, dp, ag, lab, dk) */
    public EtcdExtension(String tag) {
        this.tag = tag;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        etcd = EtcdProcess.create(tag);
        try {
            etcd.start();
        } catch (RuntimeException e) {
            etcd.close();
            throw e;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (etcd != null) {
            etcd.close();
        }
    }

    public EtcdProcess etcd() {
        if (etcd == null) {
            throw new IllegalStateException("EtcdExtension is not started: register it with @RegisterExtension on a static field");
        }
        return etcd;
    }

    public String endpoint() {
        return etcd().endpoint();
    }

    /** A key prefix no other test uses, e.g. {@code /ofx-ctl-3f9a1c/v1/}. */
    public String uniquePrefix() {
        return "/ofx-" + tag + "-" + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() & 0xffffffffL) + "/v1/";
    }
}
