package io.ovsfabric.common.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The fabric CA: the one trust anchor of every fabric connection. It is made by {@code ovsfabricctl pki init}
 * (EC P-256, self-signed, 10 years, CA with keyCertSign) or loaded from an existing key and certificate (an
 * intermediate of an organisation's CA works too: the fabric trusts only this certificate).
 *
 * <p>It issues short-lived leaf certificates for one {@link Identity} each: host and admin certificates for client
 * authentication, controller certificates for both server and client authentication with the DNS names and IPs
 * they are dialled at. Not thread-safe for writes; issuing is safe from any thread.
 */
public final class FabricCa {
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(3650);
    /** notBefore is set this far back so that a peer whose clock is a little behind accepts a new certificate. */
    static final Duration BACKDATE = Duration.ofMinutes(5);

    private final PrivateKey key;
    private final X509Certificate certificate;
    private final LeafLifetimes lifetimes;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    private FabricCa(PrivateKey key, X509Certificate certificate, LeafLifetimes lifetimes, Clock clock) {
        this.key = key;
        this.certificate = certificate;
        this.lifetimes = lifetimes;
        this.clock = clock;
    }

    /** A new CA named {@code <fabricName> fabric CA}, valid for {@code validity} from now. */
    public static FabricCa create(String fabricName, Duration validity, LeafLifetimes lifetimes, Clock clock) {
        if (fabricName == null || fabricName.isBlank()) {
            throw new PkiException("a fabric CA needs a name (e.g. the fabric's name)");
        }
        if (validity.compareTo(Duration.ofDays(1)) < 0) {
            throw new PkiException("a fabric CA must be valid for at least a day, got " + validity);
        }
        KeyPair pair = EcKeys.generate();
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "ovsfabric").addRDN(BCStyle.CN, fabricName + " fabric CA").build();
        Instant now = clock.instant();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(new SecureRandom()),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), subject, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            ext.createSubjectKeyIdentifier(pair.getPublic()));
            X509Certificate cert = sign(builder, pair.getPrivate());
            return new FabricCa(pair.getPrivate(), cert, lifetimes, clock);
        } catch (IOException | GeneralSecurityException e) {
            throw new PkiException("cannot create the fabric CA certificate", e);
        }
    }

    public static FabricCa create(String fabricName, Clock clock) {
        return create(fabricName, DEFAULT_VALIDITY, LeafLifetimes.DEFAULTS, clock);
    }

    /**
     * An existing CA: refuses a certificate that is not a CA with keyCertSign, a key that does not belong to it, or
     * a CA that is expired or not yet valid.
     */
    public static FabricCa of(PrivateKey key, X509Certificate certificate, LeafLifetimes lifetimes, Clock clock) {
        String subject = certificate.getSubjectX500Principal().getName();
        if (certificate.getBasicConstraints() < 0) {
            throw new PkiException("certificate '" + subject + "' is not a CA (basicConstraints CA:TRUE missing)");
        }
        boolean[] usage = certificate.getKeyUsage();
        if (usage == null || usage.length < 6 || !usage[5]) {
            throw new PkiException("CA certificate '" + subject + "' may not sign certificates (no keyCertSign)");
        }
        if (!EcKeys.matches(key, certificate.getPublicKey())) {
            throw new PkiException("the CA key does not belong to CA certificate '" + subject + "'");
        }
        Instant now = clock.instant();
        if (now.isAfter(certificate.getNotAfter().toInstant()) || now.isBefore(certificate.getNotBefore().toInstant())) {
            throw new PkiException("CA certificate '" + subject + "' is not valid now (valid "
                    + certificate.getNotBefore().toInstant() + " to " + certificate.getNotAfter().toInstant() + ")");
        }
        return new FabricCa(key, certificate, lifetimes, clock);
    }

    /** Loads {@code ca.key} and {@code ca.crt} (the first certificate of the file is the CA's). */
    public static FabricCa load(Path keyFile, Path certFile, LeafLifetimes lifetimes, Clock clock) {
        return of(PemFiles.readPrivateKey(keyFile), PemFiles.readCertificates(certFile).get(0), lifetimes, clock);
    }

    /** Writes the key (0600) and the certificate (0644); refuses to replace either, so a CA is never lost. */
    public void writeTo(Path keyFile, Path certFile) {
        PemFiles.writeSecret(keyFile, PemFiles.encodePrivateKey(key), PemFiles.Overwrite.REFUSE);
        PemFiles.writePublic(certFile, PemFiles.encodeCertificates(List.of(certificate)), PemFiles.Overwrite.REFUSE);
    }

    /** The trust anchor every fabric member is given. */
    public X509Certificate certificate() {
        return certificate;
    }

    public LeafLifetimes lifetimes() {
        return lifetimes;
    }

    /** Signs a request for the identity in {@code spec}; only the request's (verified) public key is used. */
    public X509Certificate sign(SigningRequest request, LeafSpec spec) {
        return issue(spec, request.publicKey());
    }

    /** A key made here and its certificate: for admin and controller certificates made by ovsfabricctl. */
    public CertifiedKey issueWithNewKey(LeafSpec spec) {
        KeyPair pair = EcKeys.generate();
        return new CertifiedKey(pair.getPrivate(), issue(spec, pair.getPublic()));
    }

    /**
     * A leaf certificate for {@code subjectKey} naming exactly {@code spec}'s identity. Refuses a lifetime that
     * would outlive the CA (rotate the CA instead, see docs/security.md).
     */
    public X509Certificate issue(LeafSpec spec, PublicKey subjectKey) {
        EcKeys.requireP256(subjectKey, "the key to certify for " + spec.identity().uri());
        Identity identity = spec.identity();
        Instant now = clock.instant();
        Instant notAfter = now.plus(spec.lifetime().orElse(lifetimes.of(identity)));
        if (notAfter.isAfter(certificate.getNotAfter().toInstant())) {
            throw new PkiException("a certificate for " + identity.uri() + " until " + notAfter
                    + " would outlive the fabric CA (valid until " + certificate.getNotAfter().toInstant()
                    + "): rotate the CA or ask for a shorter lifetime");
        }
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "ovsfabric").addRDN(BCStyle.OU, identity.kind().label())
                .addRDN(BCStyle.CN, identity.name()).build();
        List<GeneralName> names = new ArrayList<>();
        names.add(new GeneralName(GeneralName.uniformResourceIdentifier, identity.uri()));
        for (String dns : spec.dnsNames()) {
            names.add(new GeneralName(GeneralName.dNSName, dns));
        }
        for (InetAddress ip : spec.ipAddresses()) {
            names.add(new GeneralName(GeneralName.iPAddress, ip.getHostAddress()));
        }
        // hosts serve too: their agent's diagnostics endpoint (ovsfabricctl trace), checked as that very host
        KeyPurposeId[] purposes = identity instanceof Identity.Admin
                ? new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth}
                : new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth};
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(random),
                    Date.from(now.minus(BACKDATE)), Date.from(notAfter), subject, subjectKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(names.toArray(GeneralName[]::new)))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(certificate));
            return sign(builder, key);
        } catch (IOException | GeneralSecurityException e) {
            throw new PkiException("cannot issue a certificate for " + identity.uri(), e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
            throws CertificateException {
        String algorithm = "RSA".equals(signer.getAlgorithm()) ? "SHA256withRSA" : EcKeys.SIGNATURE;
        ContentSigner contentSigner;
        try {
            contentSigner = new JcaContentSignerBuilder(algorithm).build(signer);
        } catch (OperatorCreationException e) {
            throw new PkiException("cannot sign with the CA key (" + signer.getAlgorithm() + ")", e);
        }
        return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
    }

    /** A random positive 127-bit serial (RFC 5280: unique, at most 20 octets, unpredictable). */
    private static BigInteger serial(SecureRandom random) {
        return new BigInteger(127, random).setBit(126);
    }
}
