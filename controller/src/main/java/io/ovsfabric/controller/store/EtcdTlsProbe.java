package io.ovsfabric.controller.store;

import io.ovsfabric.common.pki.PemFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Why an https:// etcd refuses the controller, in terms of its flags. jetcd only times out when the TLS handshake
 * fails (it retries quietly), so when etcd does not answer, the controller shakes hands with one member itself, with
 * the same files, and turns a TLS refusal into the flag to add or fix: a server certificate it cannot verify means
 * {@code --etcd-cacert}, a refused or missing client certificate means {@code --etcd-cert}/{@code --etcd-key}.
 */
public final class EtcdTlsProbe {
    private static final int TIMEOUT_MS = 3000;

    private EtcdTlsProbe() {}

    /**
     * Empty when the handshake with {@code endpoint} succeeds or the endpoint cannot be reached at all (etcd down:
     * not a TLS problem); otherwise what is wrong and which flag fixes it. Only for https:// endpoints.
     */
    public static Optional<String> diagnose(String endpoint, Optional<Path> caCert, Optional<Path> cert,
            Optional<Path> key) {
        URI uri = URI.create(endpoint);
        if (!"https".equals(uri.getScheme())) {
            return Optional.empty();
        }
        SSLContext context;
        try {
            context = context(caCert, cert, key);
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            return Optional.empty();   // tlsContext() reports unreadable files on its own
        }
        int port = uri.getPort() < 0 ? 2379 : uri.getPort();
        try (Socket tcp = new Socket()) {
            try {
                tcp.connect(new InetSocketAddress(uri.getHost(), port), TIMEOUT_MS);
            } catch (IOException e) {
                return Optional.empty();
            }
            try (SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(tcp, uri.getHost(), port, false)) {
                SSLParameters parameters = tls.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                parameters.setApplicationProtocols(new String[] {"h2"});
                tls.setSSLParameters(parameters);
                tls.setSoTimeout(TIMEOUT_MS);
                tls.startHandshake();
                // TLS 1.3: the server checks the client's certificate after the client finished; its verdict is
                // an alert on the first read. A timeout means it accepted us.
                InputStream in = tls.getInputStream();
                in.read();
                return Optional.empty();
            }
        } catch (SocketTimeoutException e) {
            return Optional.empty();
        } catch (SSLException e) {
            return Optional.of(explain(endpoint, e, caCert, cert));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The refusal in terms of the flags (pure: from the exception's messages). */
    static String explain(String endpoint, SSLException e, Optional<Path> caCert, Optional<Path> cert) {
        String all = messages(e);
        if (all.contains("certificate_required") || all.contains("bad_certificate")
                || all.contains("certificate_unknown") && !all.contains("PKIX")) {
            return cert.isEmpty()
                    ? "etcd at " + endpoint + " asks for a client certificate (etcd --client-cert-auth) and the controller"
                            + " has none: add --etcd-cert FILE and --etcd-key FILE (a client certificate of the CA in"
                            + " etcd's --trusted-ca-file)"
                    : "etcd at " + endpoint + " refused the client certificate --etcd-cert " + cert.get() + " (" + first(e)
                            + "): it must be signed by the CA in etcd's --trusted-ca-file and allow clientAuth";
        }
        if (all.contains("PKIX") || all.contains("certification path") || all.contains("No subject alternative")
                || all.contains("No name matching")) {
            if (all.contains("No subject alternative") || all.contains("No name matching")) {
                return "etcd at " + endpoint + " presents a certificate that does not name " + URI.create(endpoint).getHost()
                        + " (" + first(e) + "): dial it by a name or IP in its certificate's SANs";
            }
            return caCert.isEmpty()
                    ? "etcd at " + endpoint + " presents a certificate the system's CAs do not trust: add --etcd-cacert"
                            + " FILE, the CA that signed etcd's server certificate (etcd --cert-file)"
                    : "etcd at " + endpoint + " presents a certificate that does not chain to --etcd-cacert "
                            + caCert.get() + ": give the CA that signed etcd's server certificate (etcd --cert-file)";
        }
        return "TLS with etcd at " + endpoint + " fails: " + first(e) + " (check --etcd-cacert, --etcd-cert, --etcd-key)";
    }

    private static String messages(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append(' ');
        }
        return all.toString();
    }

    private static String first(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static SSLContext context(Optional<Path> caCert, Optional<Path> cert, Optional<Path> key)
            throws GeneralSecurityException, IOException {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (caCert.isPresent()) {
            KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            List<X509Certificate> cas = PemFiles.readCertificates(caCert.get());
            for (int i = 0; i < cas.size(); i++) {
                anchors.setCertificateEntry("ca" + i, cas.get(i));
            }
            trust.init(anchors);
        } else {
            trust.init((KeyStore) null);
        }
        KeyManagerFactory keys = null;
        if (cert.isPresent() && key.isPresent()) {
            KeyStore own = KeyStore.getInstance(KeyStore.getDefaultType());
            own.load(null, null);
            char[] none = new char[0];
            own.setKeyEntry("client", PemFiles.readPrivateKey(key.get()), none,
                    PemFiles.readCertificates(cert.get()).toArray(X509Certificate[]::new));
            keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(own, none);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }
}
