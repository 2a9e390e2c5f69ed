package io.ovsfabric.controller.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.pki.CertifiedKey;
import io.ovsfabric.common.pki.EcKeys;
import io.ovsfabric.common.pki.FabricCa;
import io.ovsfabric.common.pki.FabricTls;
import io.ovsfabric.common.pki.Identity;
import io.ovsfabric.common.pki.LeafSpec;
import io.ovsfabric.common.pki.PemFiles;
import io.ovsfabric.common.pki.SigningRequest;
import io.ovsfabric.common.testing.EtcdExtension;
import io.ovsfabric.controller.cli.ControllerConfig;
import io.ovsfabric.controller.cli.ControllerSecurity;
import io.ovsfabric.controller.ipam.PlanRequest;
import io.ovsfabric.proto.v1.AdminServiceGrpc;
import io.ovsfabric.proto.v1.AllocateAddressRequest;
import io.ovsfabric.proto.v1.CheckIpamRequest;
import io.ovsfabric.proto.v1.CreateJoinTokenRequest;
import io.ovsfabric.proto.v1.CreateNetworkRequest;
import io.ovsfabric.proto.v1.DeleteNetworkRequest;
import io.ovsfabric.proto.v1.DeregisterRequest;
import io.ovsfabric.proto.v1.Endpoint;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import io.ovsfabric.proto.v1.HostState;
import io.ovsfabric.proto.v1.JoinRequest;
import io.ovsfabric.proto.v1.JoinResponse;
import io.ovsfabric.proto.v1.KeepAliveRequest;
import io.ovsfabric.proto.v1.ListEndpointsRequest;
import io.ovsfabric.proto.v1.ListHostsRequest;
import io.ovsfabric.proto.v1.RegisterRequest;
import io.ovsfabric.proto.v1.RegisterResponse;
import io.ovsfabric.proto.v1.ReleaseAddressRequest;
import io.ovsfabric.proto.v1.ReleaseHostRequest;
import io.ovsfabric.proto.v1.RenewRequest;
import io.ovsfabric.proto.v1.ReportEndpointsRequest;
import io.ovsfabric.proto.v1.ReserveHostRequest;
import io.ovsfabric.proto.v1.UpdateEndpointRequest;
import io.ovsfabric.proto.v1.WatchTopologyRequest;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's control-plane abuse cases against a controller with mutual TLS and a real etcd: each is refused
 * (UNAVAILABLE at the handshake, UNAUTHENTICATED or PERMISSION_DENIED naming the caller) and changes nothing.
 */
class SecurityIT {
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension("sec");

    @TempDir
    Path dir;

    private FabricCa ca;
    private Controller controller;
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        ca = FabricCa.create("test", Clock.systemUTC());
        ca.writeTo(dir.resolve("ca.key"), dir.resolve("ca.crt"));
        CertifiedKey self = ca.issueWithNewKey(LeafSpec.controller("c1", List.of(),
                List.of(InetAddress.getByName("127.0.0.1"))));
        self.writeTo(dir.resolve("c1.crt"), dir.resolve("c1.key"), PemFiles.Overwrite.REFUSE);
        ControllerConfig config = new ControllerConfig(List.of(ETCD.endpoint()), "127.0.0.1", 0,
                new PlanRequest("10.200.0.0/16", 24, null, null, Duration.ofSeconds(10), Duration.ofMinutes(10)),
                ETCD.uniquePrefix(), "c1").withSecurity(ControllerSecurity.tls(
                new FabricTls.PemPaths(dir.resolve("ca.crt"), dir.resolve("c1.crt"), dir.resolve("c1.key")),
                Optional.of(dir.resolve("ca.key")), ControllerSecurity.EtcdTls.NONE));
        controller = Controller.start(config);
    }

    @AfterEach
    void tearDown() {
        channels.forEach(ManagedChannel::shutdownNow);
        if (controller != null) {
            controller.close();
        }
    }

    private ManagedChannel channel(ChannelCredentials credentials) {
        ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + controller.port(), credentials).build();
        channels.add(channel);
        return channel;
    }

    private ChannelCredentials as(CertifiedKey key) {
        return FabricTls.channelCredentials(List.of(ca.certificate()), key, FabricTls.ServerCheck.CONTROLLER_IDENTITY);
    }

    private FabricServiceGrpc.FabricServiceBlockingStub fabric(CertifiedKey key) {
        return FabricServiceGrpc.newBlockingStub(channel(as(key))).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private AdminServiceGrpc.AdminServiceBlockingStub admin(CertifiedKey key) {
        return AdminServiceGrpc.newBlockingStub(channel(as(key))).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private CertifiedKey host(String id) {
        return ca.issueWithNewKey(LeafSpec.of(Identity.host(HostId.of(id))));
    }

    private CertifiedKey admin() {
        return ca.issueWithNewKey(LeafSpec.of(Identity.admin("alice")));
    }

    private static void assertDenied(String who, Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode(), String.valueOf(e.getStatus()));
        assertTrue(e.getStatus().getDescription().contains(who), "names the caller " + who + ": " + e.getStatus());
    }

    private RegisterResponse register(CertifiedKey key, String id, String ip) {
        return fabric(key).register(RegisterRequest.newBuilder().setHostId(id).setUnderlayIp(ip).build());
    }

    @Test
    void aPlaintextClientIsRefused() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> AdminServiceGrpc
                .newBlockingStub(channel(InsecureChannelCredentials.create())).withDeadlineAfter(5, TimeUnit.SECONDS)
                .releaseHost(ReleaseHostRequest.newBuilder().setHostId("h1").setForce(true).build()));
        assertNotEquals(Status.Code.OK, e.getStatus().getCode());
        assertNotEquals(Status.Code.NOT_FOUND, e.getStatus().getCode(), "never reached the service: " + e.getStatus());
    }

    @Test
    void aClientWithACertificateOfAnotherCaIsRefusedAtTheHandshake() {
        FabricCa other = FabricCa.create("other", Clock.systemUTC());
        CertifiedKey forged = other.issueWithNewKey(LeafSpec.of(Identity.admin("alice")));
        ChannelCredentials credentials = FabricTls.channelCredentials(List.of(ca.certificate()), forged,
                FabricTls.ServerCheck.CONTROLLER_IDENTITY);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> AdminServiceGrpc
                .newBlockingStub(channel(credentials)).withDeadlineAfter(5, TimeUnit.SECONDS)
                .listHosts(ListHostsRequest.getDefaultInstance()));
        // the client offers no certificate the controller's CA list accepts: the handshake fails or the call is
        // anonymous; either way it never reaches a service
        assertTrue(e.getStatus().getCode() == Status.Code.UNAVAILABLE
                || e.getStatus().getCode() == Status.Code.UNAUTHENTICATED, String.valueOf(e.getStatus()));
    }

    @Test
    void aClientWithoutACertificateMayOnlyJoin() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> AdminServiceGrpc
                .newBlockingStub(channel(FabricTls.joinCredentials(List.of(ca.certificate()))))
                .withDeadlineAfter(5, TimeUnit.SECONDS).listHosts(ListHostsRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), String.valueOf(e.getStatus()));
    }

    @Test
    void aHostCertificateActsOnlyForItsOwnHost() {
        CertifiedKey h2 = host("h2");
        assertDenied("ovsfabric://host/h2", () -> register(h2, "h1", "192.0.2.11"));
        assertDenied("ovsfabric://host/h2", () -> fabric(h2).keepAlive(KeepAliveRequest.newBuilder().setHostId("h1").build()));
        assertDenied("ovsfabric://host/h2", () -> fabric(h2).deregister(DeregisterRequest.newBuilder().setHostId("h1").build()));
        assertDenied("ovsfabric://host/h2", () -> fabric(h2).allocateAddress(AllocateAddressRequest.newBuilder()
                .setHostId("h1").setNetworkId("n").setEndpointId("e1").build()));
        assertEquals(0, admin(admin()).listHosts(ListHostsRequest.getDefaultInstance()).getHostsCount());
    }

    @Test
    void aHostCannotCallAdminRpcs() {
        CertifiedKey h1 = host("h1");
        register(h1, "h1", "192.0.2.11");
        assertDenied("ovsfabric://host/h1", () -> admin(h1).releaseHost(ReleaseHostRequest.newBuilder().setHostId("h1")
                .setForce(true).build()));
        assertDenied("ovsfabric://host/h1", () -> admin(h1).reserveHost(ReserveHostRequest.newBuilder().setHostId("h9")
                .setUnderlayIp("192.0.2.99").build()));
        assertDenied("ovsfabric://host/h1", () -> admin(h1).checkIpam(CheckIpamRequest.newBuilder().setRepair(true).build()));
        assertDenied("ovsfabric://host/h1", () -> admin(h1).createJoinToken(CreateJoinTokenRequest.getDefaultInstance()));
        admin(admin()).createNetwork(CreateNetworkRequest.newBuilder().setName("app").setSubnet("10.201.0.0/16").build());
        assertDenied("ovsfabric://host/h1", () -> admin(h1).deleteNetwork(DeleteNetworkRequest.newBuilder()
                .setNameOrId("app").setForce(true).build()));
        // what Docker on a host needs stays allowed: reads, and creating a network (docker network create)
        assertEquals(1, admin(h1).listHosts(ListHostsRequest.getDefaultInstance()).getHostsCount());
        assertEquals(HostState.HOST_STATE_UP, admin(admin()).listHosts(ListHostsRequest.getDefaultInstance())
                .getHosts(0).getState());
    }

    @Test
    void aForgedReportReleaseOrUpdateForAnotherHostsEndpointIsRefused() {
        CertifiedKey h1 = host("h1");
        CertifiedKey h2 = host("h2");
        register(h1, "h1", "192.0.2.11");
        register(h2, "h2", "192.0.2.12");
        String net = admin(admin()).createNetwork(CreateNetworkRequest.newBuilder().setName("app")
                .setSubnet("10.201.0.0/16").build()).getNetwork().getId();
        Endpoint e = fabric(h1).allocateAddress(AllocateAddressRequest.newBuilder().setNetworkId(net).setHostId("h1")
                .setEndpointId("ep1").build()).getEndpoint();
        assertDenied("ovsfabric://host/h2", () -> fabric(h2).reportEndpoints(ReportEndpointsRequest.newBuilder()
                .setHostId("h1").build()));
        assertDenied("ovsfabric://host/h2", () -> fabric(h2).releaseAddress(ReleaseAddressRequest.newBuilder()
                .setNetworkId(net).setAddress(e.getAddress()).build()));
        assertDenied("ovsfabric://host/h2", () -> fabric(h2).releaseAddress(ReleaseAddressRequest.newBuilder()
                .setNetworkId(net).setEndpointId("ep1").build()));
        assertDenied("ovsfabric://host/h2", () -> fabric(h2).updateEndpoint(UpdateEndpointRequest.newBuilder()
                .setEndpoint(Endpoint.newBuilder().setNetworkId(net).setEndpointId("ep1").setHostId("h2")
                        .addAliases("db")).build()));
        assertDenied("ovsfabric://host/h2", () -> fabric(h2).updateEndpoint(UpdateEndpointRequest.newBuilder()
                .setEndpoint(Endpoint.newBuilder().setNetworkId(net).setEndpointId("ep1").addAliases("db")).build()));
        List<Endpoint> left = admin(admin()).listEndpoints(ListEndpointsRequest.getDefaultInstance()).getEndpointsList();
        assertEquals(1, left.size());
        assertEquals(e.getAddress(), left.get(0).getAddress());
        assertEquals(0, left.get(0).getAliasesCount());
        // the owner may
        fabric(h1).releaseAddress(ReleaseAddressRequest.newBuilder().setNetworkId(net).setEndpointId("ep1").build());
        assertEquals(0, admin(admin()).listEndpoints(ListEndpointsRequest.getDefaultInstance()).getEndpointsCount());
    }

    @Test
    void aHostReportsOnlyItsOwnTunnelsAndMembersReadThem() {
        CertifiedKey h1 = host("h1");
        CertifiedKey h2 = host("h2");
        register(h1, "h1", "192.0.2.11");
        io.ovsfabric.proto.v1.ReportTunnelsRequest forged = io.ovsfabric.proto.v1.ReportTunnelsRequest.newBuilder()
                .setHostId("h1").addPeers(io.ovsfabric.proto.v1.PeerTunnel.newBuilder().setPeerHostId("h2")
                        .setState(io.ovsfabric.proto.v1.TunnelState.TUNNEL_STATE_BROKEN)).build();
        assertDenied("ovsfabric://host/h2", () -> tunnels(h2).reportTunnels(forged));
        tunnels(h1).reportTunnels(forged.toBuilder().setHostId("").build());   // empty: the caller's own host
        var listed = tunnels(admin()).listTunnels(io.ovsfabric.proto.v1.ListTunnelsRequest.getDefaultInstance());
        assertEquals(1, listed.getHostsCount());
        assertEquals("h1", listed.getHosts(0).getHostId());
        assertEquals(io.ovsfabric.proto.v1.TunnelState.TUNNEL_STATE_BROKEN, listed.getHosts(0).getPeers(0).getState());
        assertEquals(1, tunnels(h2).listTunnels(io.ovsfabric.proto.v1.ListTunnelsRequest.getDefaultInstance()).getHostsCount(),
                "any fabric identity reads them");
    }

    private io.ovsfabric.proto.v1.TunnelHealthServiceGrpc.TunnelHealthServiceBlockingStub tunnels(CertifiedKey key) {
        return io.ovsfabric.proto.v1.TunnelHealthServiceGrpc.newBlockingStub(channel(as(key))).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    @Test
    void theHijackSequenceFails() {
        CertifiedKey h1 = host("h1");
        RegisterResponse legit = register(h1, "h1", "192.0.2.11");
        assertEquals(0, legit.getLeaseId(), "lease ids never leave the controller");
        // an attacker with its own (h2) certificate: Register(h1) from its IP, Deregister(h1)
        CertifiedKey attacker = host("h2");
        assertDenied("ovsfabric://host/h2", () -> register(attacker, "h1", "192.0.2.66"));
        assertDenied("ovsfabric://host/h2", () -> fabric(attacker).deregister(DeregisterRequest.newBuilder()
                .setHostId("h1").setLeaseId(1).build()));
        // even with h1's own identity from another IP, the refusal names no lease
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> register(h1, "h1", "192.0.2.66"));
        assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
        assertFalse(e.getStatus().getDescription().matches("(?s).*lease [0-9a-f]+\\b.*"), e.getStatus().getDescription());
        var hosts = admin(admin()).listHosts(ListHostsRequest.getDefaultInstance()).getHostsList();
        assertEquals(1, hosts.size());
        assertEquals("192.0.2.11", hosts.get(0).getUnderlayIp());
        assertEquals(HostState.HOST_STATE_UP, hosts.get(0).getState());
        // KeepAlive and Deregister go by identity: the real host keeps its lease alive without a lease id
        assertTrue(fabric(h1).keepAlive(KeepAliveRequest.newBuilder().setHostId("h1").build()).getTtlSeconds() > 0);
    }

    @Test
    void watchTopologyNeedsAFabricIdentity() {
        var events = FabricServiceGrpc.newBlockingStub(channel(as(host("h1")))).withDeadlineAfter(10, TimeUnit.SECONDS)
                .watchTopology(WatchTopologyRequest.getDefaultInstance());
        assertTrue(events.next().hasSnapshot());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> FabricServiceGrpc
                .newBlockingStub(channel(FabricTls.joinCredentials(List.of(ca.certificate()))))
                .withDeadlineAfter(5, TimeUnit.SECONDS).watchTopology(WatchTopologyRequest.getDefaultInstance()).next());
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    }

    @Test
    void aJoinTokenBuysOneHostCertificateOnceForOneKeyAndItRenews() {
        String token = admin(admin()).createJoinToken(CreateJoinTokenRequest.newBuilder().setTtlSeconds(3600)
                .setHostId("h7").build()).getToken();
        FabricServiceGrpc.FabricServiceBlockingStub anonymous = FabricServiceGrpc.newBlockingStub(
                channel(FabricTls.joinCredentials(List.of(ca.certificate())))).withDeadlineAfter(10, TimeUnit.SECONDS);
        KeyPair pair = EcKeys.generate();
        String csr = SigningRequest.create(pair).toPem();
        assertDenied("refused", () -> anonymous.join(JoinRequest.newBuilder().setToken(token).setHostId("h8")
                .setCsrPem(csr).build()));
        JoinResponse joined = anonymous.join(JoinRequest.newBuilder().setToken(token).setCsrPem(csr).build());
        assertEquals("h7", joined.getHostId());
        CertifiedKey h7 = new CertifiedKey(pair.getPrivate(),
                PemFiles.parseCertificates(joined.getCertificatePem(), "join").get(0));
        assertEquals(Identity.host(HostId.of("h7")), h7.identity());
        // the same join again (its answer was lost): the same key gets its certificate again, no other key does
        assertEquals("h7", anonymous.join(JoinRequest.newBuilder().setToken(token).setCsrPem(csr).build()).getHostId());
        String otherKey = SigningRequest.create(EcKeys.generate()).toPem();
        assertDenied("refused", () -> anonymous.join(JoinRequest.newBuilder().setToken(token).setCsrPem(otherKey)
                .build()));
        String wrong = token.substring(0, 7) + (token.charAt(7) == 'a' ? 'b' : 'a') + token.substring(8);
        assertDenied("refused", () -> anonymous.join(JoinRequest.newBuilder().setToken(wrong).setCsrPem(csr).build()));
        register(h7, "h7", "192.0.2.17");
        StatusRuntimeException live = assertThrows(StatusRuntimeException.class, () -> anonymous.join(
                JoinRequest.newBuilder().setToken(token).setCsrPem(csr).build()));
        assertTrue(live.getStatus().getDescription().contains("is live"), "a repeat never takes over a live host: "
                + live.getStatus());
        KeyPair next = EcKeys.generate();
        String renewed = fabric(h7).renew(RenewRequest.newBuilder().setCsrPem(SigningRequest.create(next).toPem())
                .build()).getCertificatePem();
        CertifiedKey h7b = new CertifiedKey(next.getPrivate(), PemFiles.parseCertificates(renewed, "renew").get(0));
        assertEquals(h7.identity(), h7b.identity());
        assertTrue(fabric(h7b).keepAlive(KeepAliveRequest.newBuilder().setHostId("h7").build()).getTtlSeconds() > 0);
    }
}
