package io.ovsfabric.common.testing;

import io.ovsfabric.common.pki.FabricCa;
import io.ovsfabric.common.pki.Identity;
import io.ovsfabric.common.pki.LeafSpec;
import io.ovsfabric.common.pki.PemFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
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
 * <p>
 * {@link #withTls(String)} gives an etcd that serves clients over TLS only, with {@code --client-cert-auth}: the
 * extension makes a throwaway CA, etcd's server certificate (127.0.0.1) and one client certificate, all under
 * {@link #tls()}.
 */
public final class EtcdExtension implements BeforeAllCallback, AfterAllCallback {
    /** PEM files for an etcd client: the CA (of etcd's server certificate and of the client's), a cert and its key. */
    public record ClientTls(Path caCert, Path cert, Path key) {}

    private final String tag;
    private final boolean withTls;
    private EtcdProcess etcd;
    private Path pkiDir;
    private ClientTls clientTls;

    /** @param tag the helper tag that names every resource the test creates (ctl, dp, ag, lab, dk) */
    public EtcdExtension(String tag) {
        this(tag, false);
    }

    private EtcdExtension(String tag, boolean withTls) {
        this.tag = tag;
        this.withTls = withTls;
    }

    /** An etcd with client TLS and {@code --client-cert-auth}; its files are in {@link #tls()}. */
    public static EtcdExtension withTls(String tag) {
        return new EtcdExtension(tag, true);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        etcd = withTls ? EtcdProcess.createTls(tag, makePki()) : EtcdProcess.create(tag);
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
        if (pkiDir != null) {
            try (Stream<Path> files = Files.walk(pkiDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // best effort: a leftover temp dir is harmless and named after its test
            }
        }
    }

    /** The client side of {@link #withTls}: the CA certificate and a client certificate of that CA. */
    public ClientTls tls() {
        if (clientTls == null) {
            throw new IllegalStateException("this EtcdExtension has no TLS: create it with EtcdExtension.withTls(tag)");
        }
        return clientTls;
    }

    /** A throwaway CA with etcd's server certificate (IP 127.0.0.1) and one client certificate. */
    private EtcdProcess.ServerTls makePki() {
        try {
            pkiDir = Files.createTempDirectory("ofx-" + tag + "-etcd-pki-");
            FabricCa ca = FabricCa.create("ofx-" + tag + "-etcd", Clock.systemUTC());
            ca.writeTo(pkiDir.resolve("ca.key"), pkiDir.resolve("ca.crt"));
            ca.issueWithNewKey(LeafSpec.controller("etcd", List.of(), List.of(InetAddress.getLoopbackAddress())))
                    .writeTo(pkiDir.resolve("server.crt"), pkiDir.resolve("server.key"), PemFiles.Overwrite.REFUSE);
            ca.issueWithNewKey(LeafSpec.of(Identity.admin("etcd-client")))
                    .writeTo(pkiDir.resolve("client.crt"), pkiDir.resolve("client.key"), PemFiles.Overwrite.REFUSE);
            clientTls = new ClientTls(pkiDir.resolve("ca.crt"), pkiDir.resolve("client.crt"), pkiDir.resolve("client.key"));
            return new EtcdProcess.ServerTls(pkiDir.resolve("ca.crt"), pkiDir.resolve("server.crt"), pkiDir.resolve("server.key"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the test etcd's certificates", e);
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
