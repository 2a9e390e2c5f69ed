package io.ovsfabric.common.pki;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts only the fabric CA (during a CA rotation, the old and the new one), through the JDK's PKIX validation (signature, validity dates, CA
 * constraints, and the serverAuth/clientAuth extended key usage of the side being checked). As a client it also
 * requires the server to be a fabric {@link Identity.Controller}: a host or admin certificate from the same CA
 * cannot pose as a controller (or, built with {@link #FabricTrustManager(List, Identity)}, to be exactly one expected
 * identity: an agent's diagnostics endpoint must be the host the client meant). Whether the server's DNS/IP names must match the dialled authority is chosen by
 * the caller (see {@link FabricTls.ServerCheck}).
 */
final class FabricTrustManager extends X509ExtendedTrustManager {
    private final List<X509Certificate> anchors;
    private final X509ExtendedTrustManager pkix;
    private final boolean checkHostname;
    private final Identity expectedServer;   // null: any controller

    FabricTrustManager(List<X509Certificate> anchors, boolean checkHostname) {
        this(anchors, checkHostname, null);
    }

    /** As a client: the server must present exactly {@code expectedServer} (no DNS/IP name check). */
    FabricTrustManager(List<X509Certificate> anchors, Identity expectedServer) {
        this(anchors, false, java.util.Objects.requireNonNull(expectedServer, "expectedServer"));
    }

    private FabricTrustManager(List<X509Certificate> anchors, boolean checkHostname, Identity expectedServer) {
        this.expectedServer = expectedServer;
        if (anchors.isEmpty()) {
            throw new PkiException("no fabric CA certificate to trust");
        }
        this.anchors = List.copyOf(anchors);
        this.checkHostname = checkHostname;
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < this.anchors.size(); i++) {
                store.setCertificateEntry("ovsfabric-ca-" + i, this.anchors.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            X509ExtendedTrustManager found = null;
            for (TrustManager tm : factory.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    found = x;
                }
            }
            if (found == null) {
                throw new PkiException("the JDK offers no X509ExtendedTrustManager for PKIX");
            }
            this.pkix = found;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new PkiException("cannot build a trust manager for the fabric CA", e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        pkix.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        pkix.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
        requireServer(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        if (checkHostname) {
            pkix.checkServerTrusted(chain, authType, socket);
        } else {
            pkix.checkServerTrusted(chain, authType);
        }
        requireServer(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        if (checkHostname) {
            pkix.checkServerTrusted(chain, authType, engine);
        } else {
            pkix.checkServerTrusted(chain, authType);
        }
        requireServer(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return anchors.toArray(X509Certificate[]::new);
    }

    private void requireServer(X509Certificate[] chain) throws CertificateException {
        Identity identity;
        try {
            identity = Identity.fromPeerChain(chain);
        } catch (PkiException e) {
            throw new CertificateException("the server is not a fabric " + (expectedServer == null ? "controller"
                    : "member") + ": " + e.getMessage(), e);
        }
        if (expectedServer != null) {
            if (!identity.equals(expectedServer)) {
                throw new CertificateException("the server presents " + identity.uri() + ", not "
                        + expectedServer.uri());
            }
            return;
        }
        if (!(identity instanceof Identity.Controller)) {
            throw new CertificateException("the server presents " + identity.uri() + ", not a controller identity");
        }
    }
}
