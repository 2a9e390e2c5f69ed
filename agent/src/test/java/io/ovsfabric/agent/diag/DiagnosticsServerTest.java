package io.ovsfabric.agent.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.pki.CertifiedKey;
import io.ovsfabric.common.pki.FabricCa;
import io.ovsfabric.common.pki.FabricTls;
import io.ovsfabric.common.pki.Identity;
import io.ovsfabric.common.pki.LeafSpec;
import io.ovsfabric.common.testing.MutableClock;
import io.ovsfabric.proto.v1.AgentDiagnosticsGrpc;
import io.ovsfabric.proto.v1.LookupContainerRequest;
import io.ovsfabric.proto.v1.TraceRequest;
import io.ovsfabric.proto.v1.TraceResponse;
import io.ovsfabric.proto.v1.TraceVerdict;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The diagnostics endpoint as ovsfabricctl meets it: a real gRPC server on loopback, with TLS from a real fabric CA
 * (the agent presents its host certificate; only admins may call) and without (--insecure).
 */
class DiagnosticsServerTest {
    static final HostId H1 = HostId.of("h1");
    static FabricCa ca;
    static CertifiedKey h1;

    final List<DiagnosticsServer> servers = new ArrayList<>();
    final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    static void fabric() {
        ca = FabricCa.create("test", new MutableClock(Instant.now()));
        h1 = ca.issueWithNewKey(LeafSpec.of(Identity.host(H1)));
    }

    @AfterEach
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        servers.forEach(DiagnosticsServer::close);
    }

    static DiagnosticsGrpcService service(boolean adminOnly) {
        HostTraceService traces = HostTraceServiceTest.service(new HostTraceServiceTest.FakeTracer(
                "docker0-h1-to-tunnel.txt"));
        ContainerDirectory containers = name -> name.equals("h1-c1")
                ? Optional.of(new ContainerDirectory.Container("abc", "h1-c1", Map.of("bridge", "10.200.1.128")))
                : Optional.empty();
        return new DiagnosticsGrpcService("h1", traces, Optional.of(containers), adminOnly);
    }

    int serve(boolean tls) {
        DiagnosticsServer server = DiagnosticsServer.start(new InetSocketAddress("127.0.0.1", 0),
                tls ? FabricTls.serverCredentials(List.of(ca.certificate()), () -> h1) : InsecureServerCredentials.create(),
                tls, service(tls));
        servers.add(server);
        return server.address().getPort();
    }

    AgentDiagnosticsGrpc.AgentDiagnosticsBlockingStub stub(int port, ChannelCredentials credentials) {
        ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", port, credentials).build();
        channels.add(channel);
        return AgentDiagnosticsGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    static final TraceRequest DOCKER0 = TraceRequest.newBuilder().setSrcIp("10.200.1.128").setDstIp("10.200.3.128")
            .setProtocol("icmp").build();

    @Test
    void anAdminTracesOverMutualTlsWithTheHostsCertificate() {
        int port = serve(true);
        CertifiedKey admin = ca.issueWithNewKey(LeafSpec.of(Identity.admin("alice")));
        TraceResponse r = stub(port, FabricTls.channelCredentials(List.of(ca.certificate()), admin,
                Identity.host(H1))).trace(DOCKER0);
        assertEquals("h1", r.getHostId());
        assertEquals(TraceVerdict.Kind.TUNNEL, r.getVerdict().getKind());
        assertEquals("192.0.2.13", r.getVerdict().getTunnelDst());
        assertEquals("h3", r.getVerdict().getPeerHostId());
        assertEquals(List.of("CLASSIFIER", "PEER_TUNNEL"), r.getStepsList().stream()
                .map(io.ovsfabric.proto.v1.TraceStep::getCategory).toList());
        assertTrue(r.getRawOutput().contains("bridge(\"br0\")"));
    }

    @Test
    void aHostIdentityIsRefusedWithPermissionDenied() {
        int port = serve(true);
        CertifiedKey h2 = ca.issueWithNewKey(LeafSpec.of(Identity.host(HostId.of("h2"))));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub(port,
                FabricTls.channelCredentials(List.of(ca.certificate()), h2, Identity.host(H1))).trace(DOCKER0));
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("ovsfabric://host/h2"), e.getStatus().getDescription());
        assertTrue(e.getStatus().getDescription().contains("need an admin identity"), e.getStatus().getDescription());
    }

    @Test
    void anAddressThisHostDoesNotHoldIsUnavailableAndAPortInUseIsInvalid() {
        // TEST-NET-1: on no interface of a test machine; binding sends nothing
        io.ovsfabric.agent.AgentException absent = assertThrows(io.ovsfabric.agent.AgentException.class,
                () -> DiagnosticsServer.start(new InetSocketAddress("192.0.2.250", 0), InsecureServerCredentials.create(),
                        false, service(false)));
        assertEquals(io.ovsfabric.agent.AgentException.Code.UNAVAILABLE, absent.code(), absent.getMessage());
        int port = serve(false);
        io.ovsfabric.agent.AgentException taken = assertThrows(io.ovsfabric.agent.AgentException.class,
                () -> DiagnosticsServer.start(new InetSocketAddress("127.0.0.1", port), InsecureServerCredentials.create(),
                        false, service(false)));
        assertEquals(io.ovsfabric.agent.AgentException.Code.INVALID, taken.code(), taken.getMessage());
        assertTrue(taken.getMessage().contains("--diag-listen"), taken.getMessage());
    }

    @Test
    void insecureAnswersAnyoneAndErrorsMapToStatuses() {
        int port = serve(false);
        AgentDiagnosticsGrpc.AgentDiagnosticsBlockingStub stub = stub(port, io.grpc.InsecureChannelCredentials.create());
        assertEquals(TraceVerdict.Kind.TUNNEL, stub.trace(DOCKER0).getVerdict().getKind());
        assertEquals("10.200.1.128", stub.lookupContainer(LookupContainerRequest.newBuilder().setName("h1-c1").build())
                .getAddresses(0).getAddress());
        StatusRuntimeException notHere = assertThrows(StatusRuntimeException.class, () -> stub.trace(
                DOCKER0.toBuilder().setSrcIp("10.200.3.9").build()));
        assertEquals(Status.Code.NOT_FOUND, notHere.getStatus().getCode());
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> stub.trace(
                DOCKER0.toBuilder().setSrcIp("10.200.1").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
        StatusRuntimeException noName = assertThrows(StatusRuntimeException.class, () -> stub.lookupContainer(
                LookupContainerRequest.newBuilder().setName("nosuch").build()));
        assertEquals(Status.Code.NOT_FOUND, noName.getStatus().getCode());
    }
}
