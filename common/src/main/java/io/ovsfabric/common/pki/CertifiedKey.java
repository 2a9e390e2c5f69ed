package io.ovsfabric.common.pki;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A private key and the fabric certificate for it: what an agent, a controller or an admin presents. The pair is
 * checked to belong together wherever it is built or read.
 */
public record CertifiedKey(PrivateKey privateKey, X509Certificate certificate) {
    public CertifiedKey {
        if (!EcKeys.matches(privateKey, certificate.getPublicKey())) {
            throw new PkiException("the private key does not belong to certificate '"
                    + certificate.getSubjectX500Principal().getName() + "'");
        }
    }

    /** The identity the certificate names (refused if it names none, or more than one). */
    public Identity identity() {
        return Identity.fromCertificate(certificate);
    }

    /**
     * Reads a certificate file and a key file. They may be the same file (key and certificate in one PEM, as
     * {@link #writeTo} writes when given one path), which renewal can replace in one rename.
     */
    public static CertifiedKey read(Path certFile, Path keyFile) {
        return new CertifiedKey(PemFiles.readPrivateKey(keyFile), PemFiles.readCertificates(certFile).get(0));
    }

    /**
     * Writes the certificate (0644) and the key (0600). With the same path for both, writes one 0600 file
     * holding the key and the certificate, replaced atomically: a reader never sees a new key with an old
     * certificate. Two paths are each replaced atomically but not together: write to fresh paths and switch over
     * for a renewal that must never mismatch.
     */
    public void writeTo(Path certFile, Path keyFile, PemFiles.Overwrite overwrite) {
        String cert = PemFiles.encodeCertificates(List.of(certificate));
        String key = PemFiles.encodePrivateKey(privateKey);
        if (sameFile(certFile, keyFile)) {
            PemFiles.writeSecret(keyFile, key + cert, overwrite);
        } else {
            PemFiles.writeSecret(keyFile, key, overwrite);
            PemFiles.writePublic(certFile, cert, overwrite);
        }
    }

    private static boolean sameFile(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())
                || (Files.exists(a) && Files.exists(b) && isSame(a, b));
    }

    private static boolean isSame(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "CertifiedKey[" + certificate.getSubjectX500Principal().getName() + ", until "
                + certificate.getNotAfter().toInstant() + "]";
    }
}
