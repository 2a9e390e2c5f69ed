package io.ovsfabric.common.pki;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/** A client key manager that offers its certificate whatever issuers the server asks for, as an attacker would. */
final class ForcedKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "forced";
    private final CertifiedKey key;

    ForcedKeyManager(CertifiedKey key) {
        this.key = key;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return ALIAS;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return ALIAS;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return new String[] {ALIAS};
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return new String[0];
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return new X509Certificate[] {key.certificate()};
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return key.privateKey();
    }
}
