package io.ovsfabric.common.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.HostId;
import io.ovsfabric.common.testing.MutableClock;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FabricCaTest {
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final HostId H7 = HostId.of("h7");

    @TempDir
    Path dir;

    @Test
    void aNewCaIsASelfSignedP256CaForTenYears() throws Exception {
        Instant start = Instant.parse("2030-01-01T00:00:00Z");
        FabricCa ca = FabricCa.create("lab", new MutableClock(start));
        X509Certificate cert = ca.certificate();
        assertEquals(0, cert.getBasicConstraints());
        assertTrue(cert.getKeyUsage()[5], "keyCertSign");
        assertTrue(cert.getCriticalExtensionOIDs().contains(Extension.basicConstraints.getId()));
        assertEquals("EC", cert.getPublicKey().getAlgorithm());
        assertEquals(cert.getSubjectX500Principal(), cert.getIssuerX500Principal());
        cert.verify(cert.getPublicKey());
        assertEquals(start.plus(Duration.ofDays(3650)), cert.getNotAfter().toInstant());
        assertTrue(cert.getSubjectX500Principal().getName().contains("CN=lab fabric CA"));
    }

    @Test
    void theCaRoundTripsThroughPemWithTheKeyAt0600AndNeverOverwritesItself() throws Exception {
        FabricCa ca = FabricCa.create("lab", Clock.systemUTC());
        Path key = dir.resolve("pki/ca.key");
        Path crt = dir.resolve("pki/ca.crt");
        ca.writeTo(key, crt);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(crt)));
        assertTrue(Files.readString(key).startsWith("-----BEGIN PRIVATE KEY-----"));

        FabricCa loaded = FabricCa.load(key, crt, LeafLifetimes.DEFAULTS, Clock.systemUTC());
        assertEquals(ca.certificate(), loaded.certificate());
        X509Certificate leaf = loaded.issue(LeafSpec.of(Identity.host(H7)), EcKeys.generate().getPublic());
        leaf.verify(ca.certificate().getPublicKey());

        assertThrows(PkiException.class, () -> ca.writeTo(key, crt));
        assertThrows(PkiException.class, () -> FabricCa.create("other", Clock.systemUTC())
                .writeTo(key, dir.resolve("new.crt")));
        assertEquals(ca.certificate(), PemFiles.readCertificates(crt).get(0));
        try (var files = Files.list(dir.resolve("pki"))) {
            assertEquals(Set.of("ca.key", "ca.crt"),
                    Set.copyOf(files.map(p -> p.getFileName().toString()).toList()), "no temporary files left");
        }
    }

    @Test
    void loadingRefusesAMismatchedKeyANonCaAndAnOpenKeyFile() throws Exception {
        FabricCa ca = FabricCa.create("lab", Clock.systemUTC());
        FabricCa other = FabricCa.create("other", Clock.systemUTC());
        ca.writeTo(dir.resolve("ca.key"), dir.resolve("ca.crt"));
        other.writeTo(dir.resolve("other.key"), dir.resolve("other.crt"));
        assertThrows(PkiException.class, () -> FabricCa.load(dir.resolve("other.key"), dir.resolve("ca.crt"),
                LeafLifetimes.DEFAULTS, Clock.systemUTC()));

        CertifiedKey leaf = ca.issueWithNewKey(LeafSpec.of(Identity.admin("alice")));
        leaf.writeTo(dir.resolve("alice.crt"), dir.resolve("alice.key"), PemFiles.Overwrite.REFUSE);
        PkiException notCa = assertThrows(PkiException.class, () -> FabricCa.load(dir.resolve("alice.key"),
                dir.resolve("alice.crt"), LeafLifetimes.DEFAULTS, Clock.systemUTC()));
        assertTrue(notCa.getMessage().contains("not a CA"), notCa.getMessage());

        Files.setPosixFilePermissions(dir.resolve("ca.key"), PosixFilePermissions.fromString("rw-r--r--"));
        PkiException open = assertThrows(PkiException.class, () -> PemFiles.readPrivateKey(dir.resolve("ca.key")));
        assertTrue(open.getMessage().contains("chmod 600"), open.getMessage());
    }

    @Test
    void leavesCarryTheirIdentityUsagesAndDefaultLifetimes() throws Exception {
        Instant now = Instant.parse("2030-01-01T00:00:00Z");
        FabricCa ca = FabricCa.create("lab", new MutableClock(now));
        KeyPair key = EcKeys.generate();

        X509Certificate host = ca.issue(LeafSpec.of(Identity.host(H7)), key.getPublic());
        assertEquals(List.of(SERVER_AUTH, CLIENT_AUTH), host.getExtendedKeyUsage());
        assertEquals(now.plus(Duration.ofDays(30)), host.getNotAfter().toInstant());
        assertEquals(now.minus(FabricCa.BACKDATE), host.getNotBefore().toInstant());
        assertEquals(-1, host.getBasicConstraints());
        assertTrue(host.getSubjectX500Principal().getName().contains("CN=h7"));
        assertEquals(List.of("ovsfabric://host/h7"), sans(host, 6));

        X509Certificate admin = ca.issue(LeafSpec.of(Identity.admin("alice")), key.getPublic());
        assertEquals(List.of(CLIENT_AUTH), admin.getExtendedKeyUsage());
        assertEquals(now.plus(Duration.ofDays(365)), admin.getNotAfter().toInstant());

        X509Certificate controller = ca.issue(LeafSpec.controller("c1", List.of("ctl.lab", "c1.ctl.lab"),
                List.of(InetAddress.getByName("10.0.0.1"), InetAddress.getByName("::1"))), key.getPublic());
        assertEquals(List.of(SERVER_AUTH, CLIENT_AUTH), controller.getExtendedKeyUsage());
        assertEquals(List.of("ctl.lab", "c1.ctl.lab"), sans(controller, 2));
        assertEquals(List.of("10.0.0.1", "0:0:0:0:0:0:0:1"), sans(controller, 7));
        assertEquals(now.plus(Duration.ofDays(30)), controller.getNotAfter().toInstant());

        X509Certificate shortLived = ca.issue(LeafSpec.of(Identity.host(H7)).withLifetime(Duration.ofHours(1)),
                key.getPublic());
        assertEquals(now.plus(Duration.ofHours(1)), shortLived.getNotAfter().toInstant());
        assertNotEquals(host.getSerialNumber(), shortLived.getSerialNumber());
        for (X509Certificate cert : List.of(host, admin, controller, shortLived)) {
            cert.verify(ca.certificate().getPublicKey());
            assertArrayEquals(ca.certificate().getSubjectX500Principal().getEncoded(),
                    cert.getIssuerX500Principal().getEncoded());
        }
    }

    @Test
    void specsRefuseAddressNamesOnHostsWildcardsAndLifetimesBeyondTheCa() {
        assertThrows(PkiException.class, () -> new LeafSpec(Identity.host(H7), java.util.Optional.empty(),
                List.of("h7.lab"), List.of()));
        assertThrows(PkiException.class, () -> LeafSpec.controller("c1", List.of("*.lab"), List.of()));
        assertThrows(PkiException.class, () -> LeafSpec.of(Identity.host(H7)).withLifetime(Duration.ofSeconds(30)));
        FabricCa ca = FabricCa.create("lab", Duration.ofDays(20), LeafLifetimes.DEFAULTS, Clock.systemUTC());
        PkiException e = assertThrows(PkiException.class,
                () -> ca.issue(LeafSpec.of(Identity.host(H7)), EcKeys.generate().getPublic()));
        assertTrue(e.getMessage().contains("outlive the fabric CA"), e.getMessage());
    }

    @Test
    void aCsrAskingForOtherNamesGetsOnlyTheIdentityTheCaWasGiven() throws Exception {
        FabricCa ca = FabricCa.create("lab", Clock.systemUTC());
        KeyPair agentKey = EcKeys.generate();
        // The requester asks to be an admin and a controller, with DNS names, in its subject and SAN extension.
        ExtensionsGenerator wanted = new ExtensionsGenerator();
        wanted.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.uniformResourceIdentifier, "ovsfabric://admin/root"),
            new GeneralName(GeneralName.uniformResourceIdentifier, "ovsfabric://controller/c1"),
            new GeneralName(GeneralName.dNSName, "controller.lab")}));
        var pkcs10 = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=root,OU=admin"), agentKey.getPublic())
                .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, wanted.generate())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(agentKey.getPrivate()));
        // It travels as PEM, as the agent would send it.
        SigningRequest request = SigningRequest.fromPem(SigningRequest.of(pkcs10).toPem(), "the join request");
        assertEquals("CN=root,OU=admin", request.requestedSubject());

        X509Certificate cert = ca.sign(request, LeafSpec.of(Identity.host(H7)));
        assertEquals(Identity.host(H7), Identity.fromCertificate(cert));
        assertEquals(List.of("ovsfabric://host/h7"), sans(cert, 6));
        assertEquals(List.of(), sans(cert, 2));
        assertEquals(List.of(SERVER_AUTH, CLIENT_AUTH), cert.getExtendedKeyUsage());
        assertEquals(agentKey.getPublic(), cert.getPublicKey());
        assertFalse(cert.getSubjectX500Principal().getName().contains("root"));
    }

    @Test
    void aCsrMustBeSignedByItsOwnKeyAndBeP256() throws Exception {
        KeyPair agentKey = EcKeys.generate();
        KeyPair thief = EcKeys.generate();
        // Someone else's public key with the thief's signature: no proof of possession.
        var forged = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=x"), agentKey.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(thief.getPrivate()));
        assertTrue(assertThrows(PkiException.class, () -> SigningRequest.of(forged)).getMessage()
                .contains("signature does not match"));

        var rsa = java.security.KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair rsaKey = rsa.generateKeyPair();
        var rsaRequest = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=x"), rsaKey.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withRSA").build(rsaKey.getPrivate()));
        assertTrue(assertThrows(PkiException.class, () -> SigningRequest.of(rsaRequest)).getMessage()
                .contains("P-256"));
        SigningRequest own = SigningRequest.create(agentKey);
        assertEquals(agentKey.getPublic(), SigningRequest.fromPem(own.toPem(), "test").publicKey());
        assertThrows(PkiException.class, () -> SigningRequest.fromPem("garbage", "test"));
        assertThrows(PkiException.class, () -> SigningRequest.fromPem(
                PemFiles.encodeCertificates(List.of(FabricCa.create("x", Clock.systemUTC()).certificate())), "test"));
    }

    @Test
    void aKeyAndCertificateInOneFileAreReplacedTogether() {
        FabricCa ca = FabricCa.create("lab", Clock.systemUTC());
        Path both = dir.resolve("state/identity.pem");
        CertifiedKey first = ca.issueWithNewKey(LeafSpec.of(Identity.host(H7)));
        first.writeTo(both, both, PemFiles.Overwrite.REFUSE);
        assertEquals(first.certificate(), CertifiedKey.read(both, both).certificate());
        CertifiedKey renewed = ca.issueWithNewKey(LeafSpec.of(Identity.host(H7)));
        renewed.writeTo(both, both, PemFiles.Overwrite.REPLACE);
        CertifiedKey read = CertifiedKey.read(both, both);
        assertEquals(renewed.certificate(), read.certificate());
        assertEquals(Identity.host(H7), read.identity());
        assertThrows(PkiException.class, () -> new CertifiedKey(first.privateKey(), renewed.certificate()));
    }

    private static List<String> sans(X509Certificate cert, int type) throws Exception {
        List<String> out = new ArrayList<>();
        Collection<List<?>> all = cert.getSubjectAlternativeNames();
        for (List<?> san : all == null ? List.<List<?>>of() : all) {
            if ((Integer) san.get(0) == type) {
                out.add(String.valueOf(san.get(1)));
            }
        }
        return out;
    }
}
