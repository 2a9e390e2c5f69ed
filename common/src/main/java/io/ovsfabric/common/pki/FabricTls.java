package io.ovsfabric.common.pki;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettySslContextChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettySslContextServerCredentials;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * gRPC credentials for the fabric's mutual TLS: TLS 1.3 only, the fabric CA as the only trust anchor, a client
 * certificate required on every connection.
 *
 * <p>grpc-java's {@code TlsServerCredentials}/{@code TlsChannelCredentials} cannot restrict the protocol version,
 * so these build netty {@link SslContext}s (grpc-netty-shaded's, through {@link GrpcSslContexts} for ALPN and
 * HTTP/2 ciphers) and wrap them as ordinary {@link ServerCredentials}/{@link ChannelCredentials}; no netty type
 * leaves this class. The TLS provider is the BoringSSL that grpc-netty-shaded bundles (its shaded netty-tcnative)
 * where it loads, else the JDK's (Java 17 has TLS 1.3): see {@link #providerName()}.
 *
 * <p>The server side only checks the chain; which identity may call what is decided per call from
 * {@link PeerIdentityInterceptor}.
 */
public final class FabricTls {
    public static final String PROTOCOL = "TLSv1.3";

    /** How a client checks the controller it reached. */
    public enum ServerCheck {
        /**
         * The server's certificate chains to the fabric CA and names a controller identity. The default: one
         * channel fails over between several controllers under one authority (the first of
         * {@code --controller}), so the dialled name cannot be checked against each controller's own names.
         */
        CONTROLLER_IDENTITY,
        /** As above, and the certificate's DNS/IP names must also match the channel's authority (RFC 6125). */
        CONTROLLER_IDENTITY_AND_HOSTNAME
    }

    /**
     * Paths of the fabric CA certificate(s) and of this member's certificate and key (these two may be one file).
     * {@code caCert} may hold several certificates: all are trusted (the old and the new CA during a rotation).
     */
    public record PemPaths(Path caCert, Path cert, Path key) {
        public List<X509Certificate> readCa() {
            return PemFiles.readCertificates(caCert);
        }

        public CertifiedKey readSelf() {
            return CertifiedKey.read(cert, key);
        }
    }

    private FabricTls() {}

    /** "OpenSSL (BoringSSL ...)" or "JDK": for the apps' start-up log line. */
    public static String providerName() {
        return provider() == SslProvider.OPENSSL ? "OpenSSL (" + OpenSsl.versionString() + ")" : "JDK";
    }

    public static ServerCredentials serverCredentials(List<X509Certificate> trusted, CertifiedKey self) {
        return serverCredentials(trusted, self, provider());
    }

    /**
     * The controller's credentials: with {@code allowAnonymous}, a client without a certificate may finish the
     * handshake (a certificate it does present must still chain to the fabric CA), so that an agent can call Join
     * with a token; {@link PeerIdentityInterceptor} refuses every other call of such a client.
     */
    public static ServerCredentials serverCredentials(List<X509Certificate> trusted, CertifiedKey self,
                                                      boolean allowAnonymous) {
        return serverCredentials(trusted, self, provider(), allowAnonymous ? ClientAuth.OPTIONAL : ClientAuth.REQUIRE);
    }

    /** With a given provider: tests run both. */
    static ServerCredentials serverCredentials(List<X509Certificate> trusted, CertifiedKey self, SslProvider provider) {
        return serverCredentials(trusted, self, provider, ClientAuth.REQUIRE);
    }

    private static ServerCredentials serverCredentials(List<X509Certificate> trusted, CertifiedKey self,
                                                       SslProvider provider, ClientAuth clientAuth) {
        try {
            SslContextBuilder builder = SslContextBuilder.forServer(self.privateKey(), self.certificate());
            SslContext context = GrpcSslContexts.configure(builder, provider)
                    .trustManager(new FabricTrustManager(trusted, false))
                    .clientAuth(clientAuth)
                    .protocols(PROTOCOL)
                    .build();
            return NettySslContextServerCredentials.create(context);
        } catch (SSLException e) {
            throw new PkiException("cannot build the TLS server context for " + self, e);
        }
    }

    public static ServerCredentials serverCredentials(PemPaths files) {
        return serverCredentials(files.readCa(), files.readSelf());
    }

    public static ChannelCredentials channelCredentials(List<X509Certificate> trusted, CertifiedKey self, ServerCheck check) {
        return channelCredentials(trusted, self, check, provider());
    }

    static ChannelCredentials channelCredentials(List<X509Certificate> trusted, CertifiedKey self, ServerCheck check,
                                                 SslProvider provider) {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient()
                    .keyManager(self.privateKey(), self.certificate());
            SslContext context = GrpcSslContexts.configure(builder, provider)
                    .trustManager(new FabricTrustManager(trusted, check == ServerCheck.CONTROLLER_IDENTITY_AND_HOSTNAME))
                    .protocols(PROTOCOL)
                    .build();
            return NettySslContextChannelCredentials.create(context);
        } catch (SSLException e) {
            throw new PkiException("cannot build the TLS client context for " + self, e);
        }
    }

    public static ChannelCredentials channelCredentials(PemPaths files, ServerCheck check) {
        return channelCredentials(files.readCa(), files.readSelf(), check);
    }

    /**
     * Client credentials whose certificate can change under a running channel: every handshake presents what
     * {@code self} returns then (an agent renews its certificate and its next connection uses the new one).
     */
    public static ChannelCredentials channelCredentials(List<X509Certificate> trusted, Supplier<CertifiedKey> self,
                                                        ServerCheck check) {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient()
                    .keyManager(new CurrentKeyManagerFactory(self));
            SslContext context = GrpcSslContexts.configure(builder, provider())
                    .trustManager(new FabricTrustManager(trusted, check == ServerCheck.CONTROLLER_IDENTITY_AND_HOSTNAME))
                    .protocols(PROTOCOL)
                    .build();
            return NettySslContextChannelCredentials.create(context);
        } catch (SSLException e) {
            throw new PkiException("cannot build the TLS client context for " + self.get(), e);
        }
    }

    /**
     * Server credentials whose certificate can change under a running server (an agent's diagnostics endpoint: its
     * host certificate is renewed while it runs); every handshake presents what {@code self} returns then. Client
     * certificates are required and must chain to {@code trusted}.
     */
    public static ServerCredentials serverCredentials(List<X509Certificate> trusted, Supplier<CertifiedKey> self) {
        try {
            SslContextBuilder builder = SslContextBuilder.forServer(new CurrentKeyManagerFactory(self));
            SslContext context = GrpcSslContexts.configure(builder, provider())
                    .trustManager(new FabricTrustManager(trusted, false))
                    .clientAuth(ClientAuth.REQUIRE)
                    .protocols(PROTOCOL)
                    .build();
            return NettySslContextServerCredentials.create(context);
        } catch (SSLException e) {
            throw new PkiException("cannot build the TLS server context for " + self.get(), e);
        }
    }

    /**
     * Client credentials for a connection to one fabric member that is not a controller (an agent's diagnostics
     * endpoint): the server must present exactly {@code expectedServer}'s certificate from the fabric CA.
     */
    public static ChannelCredentials channelCredentials(List<X509Certificate> trusted, CertifiedKey self,
                                                        Identity expectedServer) {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient().keyManager(self.privateKey(), self.certificate());
            SslContext context = GrpcSslContexts.configure(builder, provider())
                    .trustManager(new FabricTrustManager(trusted, expectedServer))
                    .protocols(PROTOCOL)
                    .build();
            return NettySslContextChannelCredentials.create(context);
        } catch (SSLException e) {
            throw new PkiException("cannot build the TLS client context for " + self + " to " + expectedServer.uri(), e);
        }
    }

    /**
     * Server-authenticated TLS only (no client certificate): what an agent uses for its one Join call, before it
     * has a certificate. The server must still be a controller of the fabric CA.
     */
    public static ChannelCredentials joinCredentials(List<X509Certificate> trusted) {
        try {
            SslContext context = GrpcSslContexts.configure(SslContextBuilder.forClient(), provider())
                    .trustManager(new FabricTrustManager(trusted, false))
                    .protocols(PROTOCOL)
                    .build();
            return NettySslContextChannelCredentials.create(context);
        } catch (SSLException e) {
            throw new PkiException("cannot build the TLS client context for joining", e);
        }
    }

    /** The line every app logs at WARN at each start with {@code --insecure}. */
    public static String insecureWarning(String app) {
        return app + " runs with --insecure: its gRPC connections are PLAINTEXT and UNAUTHENTICATED, anyone who can"
                + " reach them can act as any host or admin. Use it only in tests; see docs/security.md";
    }

    /** A key manager that returns the current key and certificate of {@code self} at every handshake. */
    private static final class CurrentKeyManagerFactory
            extends io.grpc.netty.shaded.io.netty.handler.ssl.util.SimpleKeyManagerFactory {
        private final javax.net.ssl.KeyManager[] managers;

        CurrentKeyManagerFactory(Supplier<CertifiedKey> self) {
            this.managers = new javax.net.ssl.KeyManager[] {new javax.net.ssl.X509ExtendedKeyManager() {
                private static final String ALIAS = "ovsfabric";

                @Override
                public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
                    return new String[] {ALIAS};
                }

                @Override
                public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers,
                                                java.net.Socket socket) {
                    return ALIAS;
                }

                @Override
                public String chooseEngineClientAlias(String[] keyType, java.security.Principal[] issuers,
                                                      javax.net.ssl.SSLEngine engine) {
                    return ALIAS;
                }

                @Override
                public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
                    return new String[] {ALIAS};
                }

                @Override
                public String chooseServerAlias(String keyType, java.security.Principal[] issuers,
                                                java.net.Socket socket) {
                    return ALIAS;
                }

                @Override
                public String chooseEngineServerAlias(String keyType, java.security.Principal[] issuers,
                                                      javax.net.ssl.SSLEngine engine) {
                    return ALIAS;
                }

                @Override
                public X509Certificate[] getCertificateChain(String alias) {
                    return new X509Certificate[] {self.get().certificate()};
                }

                @Override
                public java.security.PrivateKey getPrivateKey(String alias) {
                    return self.get().privateKey();
                }
            }};
        }

        @Override
        protected void engineInit(java.security.KeyStore keyStore, char[] password) {}

        @Override
        protected void engineInit(javax.net.ssl.ManagerFactoryParameters params) {}

        @Override
        protected javax.net.ssl.KeyManager[] engineGetKeyManagers() {
            return managers.clone();
        }
    }

    static SslProvider provider() {
        return OpenSsl.isAvailable() && SslProvider.isTlsv13Supported(SslProvider.OPENSSL)
                ? SslProvider.OPENSSL : SslProvider.JDK;
    }
}
