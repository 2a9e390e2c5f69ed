package io.ovsfabric.common.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettySslContextChannelCredentials;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.rpc.ControllerChannels;
import io.ovsfabric.common.rpc.ControllerTargets;
import io.ovsfabric.common.testing.MutableClock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A real gRPC server and real clients on loopback, with certificates from a real fabric CA: who gets in, who is
 * refused, and what the server sees.
 */
class MutualTlsTest {
    private static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    /** Answers with the caller's identity URI, as the server saw it. */
    private static final MethodDescriptor<String, String> WHO_AM_I = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("test.Who/AmI")
            .setRequestMarshaller(TEXT).setResponseMarshaller(TEXT).build();
    private static final HostId H7 = HostId.of("h7");

    private static MutableClock clock;
    private static FabricCa ca;
    private static PrivateKey caKey;
    private static CertifiedKey controller;
    private static CertifiedKey expiredHost;

    private final List<Server> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final AtomicReference<String> protocol = new AtomicReference<>();

    @BeforeAll
    static void fabric(@TempDir Path dir) throws Exception {
        clock = new MutableClock(Instant.now().minus(Duration.ofDays(60)));
        ca = FabricCa.create("test", clock);
        expiredHost = ca.issueWithNewKey(LeafSpec.of(Identity.host(H7)));    // 30 days, 60 days ago
        clock.advance(Duration.ofDays(60));
        ca.writeTo(dir.resolve("ca.key"), dir.resolve("ca.crt"));
        caKey = PemFiles.readPrivateKey(dir.resolve("ca.key"));
        controller = ca.issueWithNewKey(LeafSpec.controller("c1", List.of("localhost"),
                List.of(InetAddress.getByName("127.0.0.1"))));
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (Server server : servers) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void theProviderIsGrpcNettyShadedsBoringSslAndItSpeaksTls13() {
        assertTrue(OpenSsl.isAvailable(), "grpc-netty-shaded's tcnative did not load: " + OpenSsl.unavailabilityCause());
        assertEquals(SslProvider.OPENSSL, FabricTls.provider());
        assertTrue(FabricTls.providerName().startsWith("OpenSSL (BoringSSL"), FabricTls.providerName());
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
    void aHostCertificateGetsInOverTls13AndTheServerSeesItsHost(SslProvider provider) {
        int port = serve(FabricTls.serverCredentials(List.of(ca.certificate()), controller, provider));
        CertifiedKey host = ca.issueWithNewKey(LeafSpec.of(Identity.host(H7)));
        String seen = whoAmI(port, FabricTls.channelCredentials(List.of(ca.certificate()), host,
                FabricTls.ServerCheck.CONTROLLER_IDENTITY, provider));
        assertEquals("ovsfabric://host/h7", seen);
        assertEquals(Identity.host(H7), Identity.parseUri(seen));
        assertEquals("TLSv1.3", protocol.get());
    }

    @Test
    void adminsAndControllersAreSeenAsThemselves() {
        int port = serve(FabricTls.serverCredentials(List.of(ca.certificate()), controller));
        CertifiedKey admin = ca.issueWithNewKey(LeafSpec.of(Identity.admin("alice")));
        assertEquals("ovsfabric://admin/alice", whoAmI(port, client(admin)));
        assertEquals("ovsfabric://controller/c1", whoAmI(port, client(controller)));
    }

    @Test
    void aPlaintextClientIsRefused() {
        int port = serve(FabricTls.serverCredentials(List.of(ca.certificate()), controller));
        assertCode(Status.Code.UNAVAILABLE, () -> whoAmI(port, InsecureChannelCredentials.create()));
    }

    @Test
    void aClientWithACertificateFromAnotherCaIsRefused() throws Exception {
        int port = serve(FabricTls.serverCredentials(List.of(ca.certificate()), controller));
        FabricCa other = FabricCa.create("other", clock);
        CertifiedKey stranger = other.issueWithNewKey(LeafSpec.of(Identity.host(H7)));
        // It trusts our CA (it may know the public certificate), but its own certificate is not ours.
        // The server asks for certificates issued by the fabric CA, so the client has none to send.
        assertHandshakeRefused("CERTIFICATE_REQUIRED", () -> whoAmI(port, FabricTls.channelCredentials(
                List.of(ca.certificate()), stranger, FabricTls.ServerCheck.CONTROLLER_IDENTITY)));
        // Sent anyway (a client that offers it whatever the server asks): the chain does not lead to our CA.
        ChannelCredentials pushy = NettySslContextChannelCredentials.create(GrpcSslContexts.forClient()
                .keyManager(new ForcedKeyManager(stranger)).trustManager(ca.certificate()).build());
        assertHandshakeRefused("_ALERT_", () -> whoAmI(port, pushy));
        CertifiedKey member = ca.issueWithNewKey(LeafSpec.of(Identity.host(H7)));
        ChannelCredentials pushyMember = NettySslContextChannelCredentials.create(GrpcSslContexts.forClient()
                .keyManager(new ForcedKeyManager(member)).trustManager(ca.certificate()).build());
        assertEquals("ovsfabric://host/h7", whoAmI(port, pushyMember), "the same client with a fabric cert gets in");
    }

    @Test
    void aCertificateWhoseIdentityIsUnparseableIsRefusedAsUnauthenticated() throws Exception {
        int port = serve(FabricTls.serverCredentials(List.of(ca.certificate()), controller));
        KeyPair key = EcKeys.generate();
        CertifiedKey noUri = new CertifiedKey(key.getPrivate(),
                Forge.leaf(ca.certificate(), caKey, key.getPublic(), "CN=h7", Forge.dns("h7.lab")));
        CertifiedKey twoUris = new CertifiedKey(key.getPrivate(), Forge.leaf(ca.certificate(), caKey,
                key.getPublic(), "CN=h7", Forge.uri("ovsfabric://host/h7"), Forge.uri("ovsfabric://admin/h7")));
        for (CertifiedKey bad : List.of(noUri, twoUris)) {
            StatusRuntimeException e = assertCode(Status.Code.UNAUTHENTICATED, () -> whoAmI(port, client(bad)));
            assertTrue(e.getStatus().getDescription().contains("certificate"), e.getStatus().getDescription());
        }
    }

    @Test
    void anExpiredCertificateIsRefused() {
        int port = serve(FabricTls.serverCredentials(List.of(ca.certificate()), controller));
        assertTrue(RenewalPolicy.expired(expiredHost.certificate(), clock));
        assertHandshakeRefused("CERTIFICATE_EXPIRED", () -> whoAmI(port, client(expiredHost)));
    }

    @Test
    void aTls12OnlyClientIsRefused() throws Exception {
        int port = serve(FabricTls.serverCredentials(List.of(ca.certificate()), controller));
        CertifiedKey host = ca.issueWithNewKey(LeafSpec.of(Identity.host(H7)));
        ChannelCredentials tls12 = NettySslContextChannelCredentials.create(GrpcSslContexts.forClient()
                .keyManager(host.privateKey(), host.certificate()).trustManager(ca.certificate())
                .protocols("TLSv1.2").build());
        assertHandshakeRefused("PROTOCOL_VERSION", () -> whoAmI(port, tls12));
        ChannelCredentials tls13 = NettySslContextChannelCredentials.create(GrpcSslContexts.forClient()
                .keyManager(host.privateKey(), host.certificate()).trustManager(ca.certificate())
                .protocols("TLSv1.3").build());
        assertEquals("ovsfabric://host/h7", whoAmI(port, tls13), "the same client on TLS 1.3 gets in");
    }

    @Test
    void aClientRefusesAServerThatIsNotAFabricController() throws Exception {
        CertifiedKey host = ca.issueWithNewKey(LeafSpec.of(Identity.host(H7)));
        // A host certificate with serverAuth (forged with the CA key, the CA issues none): still not a controller.
        KeyPair key = EcKeys.generate();
        CertifiedKey posingHost = new CertifiedKey(key.getPrivate(), Forge.leaf(ca.certificate(), caKey,
                key.getPublic(), "CN=h8", Forge.uri("ovsfabric://host/h8")));
        int posing = serve(FabricTls.serverCredentials(List.of(ca.certificate()), posingHost));
        assertHandshakeRefused("not a controller identity", () -> whoAmI(posing, client(host)));
        // A controller of another fabric.
        FabricCa other = FabricCa.create("other", clock);
        CertifiedKey foreign = other.issueWithNewKey(LeafSpec.controller("c1", List.of(),
                List.of(InetAddress.getByName("127.0.0.1"))));
        int foreignPort = serve(FabricTls.serverCredentials(List.of(other.certificate()), foreign));
        assertHandshakeRefused("unable to find valid certification path", () -> whoAmI(foreignPort, client(host)));
    }

    @Test
    void hostnameCheckingIsOptionalBecauseOneChannelFailsOverUnderOneAuthority() throws Exception {
        CertifiedKey host = ca.issueWithNewKey(LeafSpec.of(Identity.host(H7)));
        CertifiedKey elsewhere = ca.issueWithNewKey(LeafSpec.controller("c2", List.of("c2.lab"), List.of()));
        int matching = serve(FabricTls.serverCredentials(List.of(ca.certificate()), controller));
        int notMatching = serve(FabricTls.serverCredentials(List.of(ca.certificate()), elsewhere));
        ChannelCredentials strict = FabricTls.channelCredentials(List.of(ca.certificate()), host,
                FabricTls.ServerCheck.CONTROLLER_IDENTITY_AND_HOSTNAME);
        assertEquals("ovsfabric://host/h7", whoAmI(matching, strict));
        assertHandshakeRefused("No subject alternative names matching IP address 127.0.0.1",
                () -> whoAmI(notMatching, strict));
        assertEquals("ovsfabric://host/h7", whoAmI(notMatching, client(host)));
    }

    @Test
    void duringACaRotationBothCasAreTrustedAndAfterItOnlyTheNewOne() throws Exception {
        FabricCa next = FabricCa.create("test-2", clock);
        CertifiedKey oldHost = ca.issueWithNewKey(LeafSpec.of(Identity.host(H7)));
        CertifiedKey newHost = next.issueWithNewKey(LeafSpec.of(Identity.host(HostId.of("h8"))));
        List<X509Certificate> both = List.of(ca.certificate(), next.certificate());
        CertifiedKey newController = next.issueWithNewKey(LeafSpec.controller("c1", List.of(), List.of()));
        int rotating = serve(FabricTls.serverCredentials(both, newController));
        assertEquals("ovsfabric://host/h7", whoAmI(rotating,
                FabricTls.channelCredentials(both, oldHost, FabricTls.ServerCheck.CONTROLLER_IDENTITY)));
        assertEquals("ovsfabric://host/h8", whoAmI(rotating,
                FabricTls.channelCredentials(both, newHost, FabricTls.ServerCheck.CONTROLLER_IDENTITY)));
        int rotated = serve(FabricTls.serverCredentials(List.of(next.certificate()), newController));
        assertCode(Status.Code.UNAVAILABLE, () -> whoAmI(rotated,
                FabricTls.channelCredentials(both, oldHost, FabricTls.ServerCheck.CONTROLLER_IDENTITY)));
    }

    @Test
    void anAgentServesWithItsHostCertificateAndTheClientChecksItIsThatHost() {
        CertifiedKey h7 = ca.issueWithNewKey(LeafSpec.of(Identity.host(H7)));
        AtomicReference<CertifiedKey> current = new AtomicReference<>(h7);
        int port = serve(FabricTls.serverCredentials(List.of(ca.certificate()), current::get));
        CertifiedKey admin = ca.issueWithNewKey(LeafSpec.of(Identity.admin("alice")));
        assertEquals("ovsfabric://admin/alice", whoAmI(port, FabricTls.channelCredentials(List.of(ca.certificate()),
                admin, Identity.host(H7))));
        // expecting another host (a mixed-up address) or a controller there: refused in the handshake
        assertHandshakeRefused("not ovsfabric://host/h8", () -> whoAmI(port, FabricTls.channelCredentials(
                List.of(ca.certificate()), admin, Identity.host(HostId.of("h8")))));
        assertHandshakeRefused("not a controller identity", () -> whoAmI(port, client(admin)));
        // a renewed certificate is presented from the next handshake on
        CertifiedKey renewed = ca.issueWithNewKey(LeafSpec.of(Identity.host(H7)));
        current.set(renewed);
        assertEquals("ovsfabric://admin/alice", whoAmI(port, FabricTls.channelCredentials(List.of(ca.certificate()),
                admin, Identity.host(H7))));
    }

    @Test
    void theInterceptorRefusesACallWithoutTls() {
        int port = serve(InsecureServerCredentials.create());
        assertCode(Status.Code.UNAUTHENTICATED, () -> whoAmI(port, InsecureChannelCredentials.create()));
        assertThrows(IllegalStateException.class, PeerIdentityInterceptor::current);
    }

    @Test
    void credentialsLoadFromPemFilesIncludingOneFileForKeyAndCertificate(@TempDir Path dir) {
        ca.certificate();
        PemFiles.writePublic(dir.resolve("ca.crt"), PemFiles.encodeCertificates(List.of(ca.certificate())),
                PemFiles.Overwrite.REFUSE);
        controller.writeTo(dir.resolve("controller.crt"), dir.resolve("controller.key"), PemFiles.Overwrite.REFUSE);
        CertifiedKey host = ca.issueWithNewKey(LeafSpec.of(Identity.host(H7)));
        host.writeTo(dir.resolve("identity.pem"), dir.resolve("identity.pem"), PemFiles.Overwrite.REFUSE);

        int port = serve(FabricTls.serverCredentials(new FabricTls.PemPaths(dir.resolve("ca.crt"),
                dir.resolve("controller.crt"), dir.resolve("controller.key"))));
        assertEquals("ovsfabric://host/h7", whoAmI(port, FabricTls.channelCredentials(new FabricTls.PemPaths(
                dir.resolve("ca.crt"), dir.resolve("identity.pem"), dir.resolve("identity.pem")),
                FabricTls.ServerCheck.CONTROLLER_IDENTITY)));
    }

    private ChannelCredentials client(CertifiedKey self) {
        return FabricTls.channelCredentials(List.of(ca.certificate()), self, FabricTls.ServerCheck.CONTROLLER_IDENTITY);
    }

    private int serve(ServerCredentials credentials) {
        ServerServiceDefinition service = ServerServiceDefinition.builder("test.Who")
                .addMethod(WHO_AM_I, ServerCalls.asyncUnaryCall((request, out) -> {
                    out.onNext(PeerIdentityInterceptor.current().uri());
                    out.onCompleted();
                })).build();
        ServerInterceptor recordProtocol = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                              ServerCallHandler<Q, R> next) {
                SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
                protocol.set(session == null ? null : session.getProtocol());
                return next.startCall(call, headers);
            }
        };
        try {
            Server server = Grpc.newServerBuilderForPort(0, credentials)
                    .addService(ServerInterceptors.intercept(service, new PeerIdentityInterceptor(), recordProtocol))
                    .build().start();
            servers.add(server);
            return server.getPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One call through the clients' real channel (ControllerChannels), as the agent and ovsfabricctl make it. */
    private String whoAmI(int port, ChannelCredentials credentials) {
        ManagedChannel channel = ControllerChannels.open(ControllerTargets.parse("127.0.0.1:" + port), credentials);
        channels.add(channel);
        return ClientCalls.blockingUnaryCall(channel, WHO_AM_I,
                CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "?");
    }

    private static StatusRuntimeException assertCode(Status.Code code, Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(code, e.getStatus().getCode(), String.valueOf(e.getStatus()));
        return e;
    }

    /** Refused during the handshake, for the reason given (a fragment of the cause chain's messages). */
    private static void assertHandshakeRefused(String reason, Runnable call) {
        StatusRuntimeException e = assertCode(Status.Code.UNAVAILABLE, call);
        StringBuilder chain = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            chain.append(t).append('\n');
        }
        assertTrue(chain.toString().contains(reason), "expected '" + reason + "' in:\n" + chain);
    }
}
