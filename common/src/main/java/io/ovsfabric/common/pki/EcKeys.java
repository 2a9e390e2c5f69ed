package io.ovsfabric.common.pki;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;

/** The fabric's one key type: EC P-256 (secp256r1), made by the JDK's provider. */
public final class EcKeys {
    public static final String CURVE = "secp256r1";
    static final String SIGNATURE = "SHA256withECDSA";

    private EcKeys() {}

    /** A fresh P-256 key pair; the private key never leaves the process that made it unless written out. */
    public static KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(CURVE), new SecureRandom());
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new PkiException("cannot generate an EC " + CURVE + " key", e);
        }
    }

    /** Refuses anything but a P-256 public key (an RSA or P-384 key in a CSR is a request the fabric does not sign). */
    static void requireP256(PublicKey key, String what) {
        if (!(key instanceof ECPublicKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 256) {
            throw new PkiException(what + " must be an EC P-256 key, got " + key.getAlgorithm());
        }
    }

    /** Whether the private key belongs to the public key: signs a challenge and verifies it. */
    static boolean matches(PrivateKey privateKey, PublicKey publicKey) {
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            String algorithm = "RSA".equals(privateKey.getAlgorithm()) ? "SHA256withRSA" : SIGNATURE;
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
