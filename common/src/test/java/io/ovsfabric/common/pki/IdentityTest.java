package io.ovsfabric.common.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.HostId;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdentityTest {
    private static FabricCa ca;
    private static PrivateKey caKey;

    @BeforeAll
    static void ca(@TempDir Path dir) {
        ca = FabricCa.create("test", Clock.systemUTC());
        ca.writeTo(dir.resolve("ca.key"), dir.resolve("ca.crt"));
        caKey = PemFiles.readPrivateKey(dir.resolve("ca.key"));
    }

    @Test
    void urisRoundTrip() {
        for (Identity id : List.of(Identity.host(HostId.of("h7")), Identity.admin("alice"),
                Identity.controller("c1"))) {
            assertEquals(id, Identity.parseUri(id.uri()));
        }
        assertEquals("ovsfabric://host/h7", Identity.host(HostId.of("h7")).uri());
        assertEquals("ovsfabric://admin/alice", Identity.admin("alice").uri());
        assertEquals("ovsfabric://controller/c1", Identity.controller("c1").uri());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ovsfabric://host/H7", "ovsfabric://host/h7/", "ovsfabric://host/h7?x=1",
        "ovsfabric://host/h7#f", "ovsfabric://root/h7", "ovsfabric://host:1/h7", "ovsfabric://u@host/h7",
        "https://host/h7", "ovsfabric://host/", "ovsfabric://host/h%37", "ovsfabric:host/h7", "ovsfabric://admin/a.b",
        "ovsfabric://host/-h7", "not a uri"})
    void nonCanonicalOrUnknownUrisAreRefused(String uri) {
        assertThrows(PkiException.class, () -> Identity.parseUri(uri));
    }

    @Test
    void issuedCertificatesParseBackToTheirIdentity() {
        KeyPair key = EcKeys.generate();
        assertEquals(Identity.host(HostId.of("h7")),
                Identity.fromCertificate(ca.issue(LeafSpec.of(Identity.host(HostId.of("h7"))), key.getPublic())));
        assertEquals(Identity.admin("alice"),
                Identity.fromCertificate(ca.issue(LeafSpec.of(Identity.admin("alice")), key.getPublic())));
        assertEquals(Identity.controller("c1"), Identity.fromCertificate(
                ca.issue(LeafSpec.controller("c1", List.of("ctl.example"), List.of()), key.getPublic())));
    }

    @Test
    void ambiguousOrForeignCertificatesAreRefused() throws Exception {
        KeyPair key = EcKeys.generate();
        X509Certificate caCert = ca.certificate();
        List<X509Certificate> bad = List.of(
                Forge.leaf(caCert, caKey, key.getPublic(), "CN=h7"),                                    // no SAN
                Forge.leaf(caCert, caKey, key.getPublic(), "CN=h7", Forge.dns("h7.example")),           // no URI
                Forge.leaf(caCert, caKey, key.getPublic(), "CN=h7",
                        Forge.uri("ovsfabric://host/h7"), Forge.uri("ovsfabric://admin/h7")),          // two
                Forge.leaf(caCert, caKey, key.getPublic(), "CN=h7",
                        Forge.uri("ovsfabric://host/h7"), Forge.uri("spiffe://x/h7")),                 // foreign
                Forge.leaf(caCert, caKey, key.getPublic(), "CN=h8", Forge.uri("ovsfabric://host/h7")), // CN
                Forge.leaf(caCert, caKey, key.getPublic(), "CN=h7+CN=h8", Forge.uri("ovsfabric://host/h7")),
                Forge.leaf(caCert, caKey, key.getPublic(), "O=x", Forge.uri("ovsfabric://host/h7")),   // no CN
                Forge.leaf(caCert, caKey, key.getPublic(), "CN=h7",
                        Forge.uri("ovsfabric://host/h7"), Forge.dns("h7.example")),                    // host+DNS
                Forge.leaf(caCert, caKey, key.getPublic(), "CN=root", Forge.uri("ovsfabric://root/root")));
        for (X509Certificate cert : bad) {
            PkiException e = assertThrows(PkiException.class, () -> Identity.fromCertificate(cert),
                    cert.getSubjectX500Principal().getName());
            assertTrue(e.getMessage().contains("certificate") || e.getMessage().contains("identity"), e.getMessage());
        }
        assertThrows(PkiException.class, () -> Identity.fromPeerChain(new X509Certificate[0]));
    }
}
