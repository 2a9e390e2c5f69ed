package io.ovsfabric.controller.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.ovsfabric.common.testing.EtcdExtension;
import io.ovsfabric.common.testing.Poll;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.cli.ControllerConfig;
import io.ovsfabric.controller.cli.ControllerSecurity;
import io.ovsfabric.controller.cli.ServeCommand;
import io.ovsfabric.controller.ipam.PlanRequest;
import io.ovsfabric.controller.store.EtcdKvStore;
import io.ovsfabric.proto.v1.AdminServiceGrpc;
import io.ovsfabric.proto.v1.AllocateAddressRequest;
import io.ovsfabric.proto.v1.CreateNetworkRequest;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import io.ovsfabric.proto.v1.KeepAliveRequest;
import io.ovsfabric.proto.v1.Network;
import io.ovsfabric.proto.v1.RegisterRequest;
import io.ovsfabric.proto.v1.RegisterResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/**
 * etcd over TLS with client certificates (issue 13): a real etcd serving clients only over TLS with
 * {@code --client-cert-auth}. The controller with {@code --etcd-cacert/--etcd-cert/--etcd-key} works end to end;
 * etcd refuses a plaintext client and a TLS client without a certificate; a controller given an https:// etcd
 * without the flags it needs stops at start and says which flag to add.
 */
class EtcdTlsIT {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.withTls("etls");

    private static final Duration TTL = Duration.ofSeconds(30);

    private static ControllerSecurity.EtcdTls etcdTls(boolean ca, boolean cert) {
        EtcdExtension.ClientTls files = ETCD.tls();
        return new ControllerSecurity.EtcdTls(ca ? Optional.of(files.caCert()) : Optional.empty(),
                cert ? Optional.of(files.cert()) : Optional.empty(), cert ? Optional.of(files.key()) : Optional.empty());
    }

    private static ControllerConfig config(String endpoint, ControllerSecurity.EtcdTls tls) {
        return new ControllerConfig(List.of(endpoint), "127.0.0.1", 0,
                new PlanRequest("10.200.0.0/16", 24, null, null, TTL, Duration.ofMinutes(10)), ETCD.uniquePrefix(), "c1")
                .withSecurity(ControllerSecurity.insecure().withEtcd(tls));
    }

    @Test
    void aControllerWithTheEtcdClientCertificateRegistersAHostAndAllocatesAnAddress() throws Exception {
        Controller controller = Controller.start(config(ETCD.endpoint(), etcdTls(true, true)));
        ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + controller.port(),
                InsecureChannelCredentials.create()).build();
        try {
            FabricServiceGrpc.FabricServiceBlockingStub fabric = FabricServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(20, TimeUnit.SECONDS);
            RegisterResponse registered = fabric.register(RegisterRequest.newBuilder().setHostId("h1")
                    .setUnderlayIp("192.0.2.11").build());
            assertEquals("10.200.1.0/24", registered.getHost().getSubnet());
            // the keep-alive goes over the controller's own LeaseKeepAlive channel to etcd: TLS and the client cert too
            assertTrue(fabric.keepAlive(KeepAliveRequest.newBuilder().setHostId("h1").build()).getTtlSeconds() > 0);
            Network net = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .createNetwork(CreateNetworkRequest.newBuilder().setName("appnet").setSubnet("10.201.0.0/24").build())
                    .getNetwork();
            String address = FabricServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .allocateAddress(AllocateAddressRequest.newBuilder().setNetworkId(net.getId()).setHostId("h1")
                            .setEndpointId("e1").build()).getEndpoint().getAddress();
            assertTrue(address.startsWith("10.201.0."), address);
        } finally {
            channel.shutdownNow();
            controller.close();
        }
    }

    @Test
    void etcdRefusesAPlaintextClientAndATlsClientWithoutACertificate() {
        String plaintext = ETCD.endpoint().replace("https://", "http://");
        try (EtcdKvStore store = new EtcdKvStore(List.of(plaintext), Duration.ofSeconds(3))) {
            FabricException e = assertThrows(FabricException.class, () -> store.get("/ofx-etls/probe"));
            assertEquals(FabricException.Code.UNAVAILABLE, e.code(), e.getMessage());
        }
        try (EtcdKvStore store = new EtcdKvStore(List.of(ETCD.endpoint()), Duration.ofSeconds(3), Optional.of(
                EtcdKvStore.tlsContext(Optional.of(ETCD.tls().caCert()), Optional.empty(), Optional.empty())))) {
            FabricException e = assertThrows(FabricException.class, () -> store.get("/ofx-etls/probe"));
            assertEquals(FabricException.Code.UNAVAILABLE, e.code(), e.getMessage());
        }
        // etcd itself says why: the refusal is its --client-cert-auth, not a network problem
        Poll.until("etcd logs the client without a certificate", Duration.ofSeconds(10),
                () -> ETCD.etcd().logTail(200).contains("client didn't provide a certificate"));
        // ... and with the client certificate the same store works
        try (EtcdKvStore store = new EtcdKvStore(List.of(ETCD.endpoint()), Duration.ofSeconds(10), Optional.of(
                EtcdKvStore.tlsContext(Optional.of(ETCD.tls().caCert()), Optional.of(ETCD.tls().cert()),
                        Optional.of(ETCD.tls().key()))))) {
            assertTrue(store.get("/ofx-etls/probe").isEmpty());
        }
    }

    @Test
    void httpsEtcdWithoutTheCaFlagStopsTheControllerAtStartNamingEtcdCacert() {
        FabricException e = assertThrows(FabricException.class,
                () -> Controller.start(config(ETCD.endpoint(), ControllerSecurity.EtcdTls.NONE)));
        assertEquals(FabricException.Code.INVALID, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("--etcd-cacert"), e.getMessage());
    }

    @Test
    void httpsEtcdWithClientCertAuthAndNoClientCertificateStopsTheControllerNamingEtcdCertAndKey() {
        FabricException e = assertThrows(FabricException.class,
                () -> Controller.start(config(ETCD.endpoint(), etcdTls(true, false))));
        assertEquals(FabricException.Code.INVALID, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("--etcd-cert") && e.getMessage().contains("--etcd-key"), e.getMessage());
    }

    @Test
    @Timeout(180)
    void serveExitsWithCode2WhenEtcdNeedsTlsFlagsItWasNotGiven() throws Exception {
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> new CommandLine(new ServeCommand())
                .execute("--etcd", ETCD.endpoint(), "--listen", "127.0.0.1:0", "--insecure", "--controller-id", "c9",
                        "--key-prefix", ETCD.uniquePrefix(), "--fabric-cidr", "10.200.0.0/16", "--host-prefix", "24"));
        assertEquals(2, exit.get(120, TimeUnit.SECONDS), "refused configuration: exit 2, no retry loop");
    }
}
