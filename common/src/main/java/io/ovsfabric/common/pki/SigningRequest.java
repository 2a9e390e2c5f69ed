package io.ovsfabric.common.pki;

import java.io.IOException;
import java.io.StringWriter;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A PKCS#10 certificate signing request: how an agent (or an admin) asks for a certificate without its private key
 * ever leaving its machine. The CA uses only the request's public key, after checking that the request is signed
 * with the matching private key (proof of possession); the names in it are ignored, because the identity comes from
 * the join token (or from the caller's current certificate on renewal), never from the requester.
 */
public final class SigningRequest {
    /** The subject an agent puts in its requests; informational only. */
    static final String REQUESTED_SUBJECT = "CN=ovsfabric-request";

    private final PKCS10CertificationRequest request;
    private final PublicKey publicKey;

    private SigningRequest(PKCS10CertificationRequest request, String source) {
        this.request = request;
        try {
            this.publicKey = new JcaPEMKeyConverter().getPublicKey(request.getSubjectPublicKeyInfo());
            ContentVerifierProvider verifier = new JcaContentVerifierProviderBuilder().build(publicKey);
            if (!request.isSignatureValid(verifier)) {
                throw new PkiException(source + ": the request's signature does not match its public key");
            }
        } catch (OperatorCreationException | PKCSException | IOException e) {
            throw new PkiException(source + ": cannot verify the request's signature", e);
        }
        EcKeys.requireP256(publicKey, source + ": the requested key");
    }

    /** A request for the key pair, signed with its private key. */
    public static SigningRequest create(KeyPair keyPair) {
        try {
            PKCS10CertificationRequest request = new JcaPKCS10CertificationRequestBuilder(
                    new X500Name(REQUESTED_SUBJECT), keyPair.getPublic())
                    .build(new JcaContentSignerBuilder(EcKeys.SIGNATURE).build(keyPair.getPrivate()));
            return new SigningRequest(request, "a new signing request");
        } catch (OperatorCreationException e) {
            throw new PkiException("cannot sign a certificate request", e);
        }
    }

    /** Parses a request received from elsewhere; refuses a bad signature or a key that is not P-256. */
    public static SigningRequest fromPem(String pem, String source) {
        List<Object> objects = PemFiles.objectsIn(pem, source);
        if (objects.size() != 1 || !(objects.get(0) instanceof PKCS10CertificationRequest request)) {
            throw new PkiException(source + ": expected exactly one CERTIFICATE REQUEST");
        }
        return new SigningRequest(request, source);
    }

    /** For tests and for requests built elsewhere (e.g. by openssl). */
    static SigningRequest of(PKCS10CertificationRequest request) {
        return new SigningRequest(request, "a signing request");
    }

    public String toPem() {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(request);
        } catch (IOException e) {
            throw new PkiException("cannot encode a certificate request as PEM", e);
        }
        return out.toString();
    }

    /** The key to certify; its holder proved possession by signing the request. */
    public PublicKey publicKey() {
        return publicKey;
    }

    /** SHA-256 of the key to certify (its DER SubjectPublicKeyInfo), lowercase hex: names the key in a token. */
    public String keyFingerprint() {
        try {
            return java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(publicKey.getEncoded()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new PkiException("SHA-256 is not available", e);
        }
    }

    /** What the requester asked to be called: for logs only, never for the certificate. */
    public String requestedSubject() {
        return request.getSubject().toString();
    }
}
