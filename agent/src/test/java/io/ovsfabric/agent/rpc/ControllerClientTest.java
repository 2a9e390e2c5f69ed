package io.ovsfabric.agent.rpc;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.model.AddressLease;
import io.ovsfabric.agent.model.AllocationHandle;
import io.ovsfabric.agent.model.HostInventory;
import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.model.NetworkSpec;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.TunnelKey;
import io.ovsfabric.proto.v1.AdminServiceGrpc;
import io.ovsfabric.proto.v1.AllocateAddressRequest;
import io.ovsfabric.proto.v1.AllocateAddressResponse;
import io.ovsfabric.proto.v1.CreateNetworkRequest;
import io.ovsfabric.proto.v1.CreateNetworkResponse;
import io.ovsfabric.proto.v1.Endpoint;
import io.ovsfabric.proto.v1.KeepAliveRequest;
import io.ovsfabric.proto.v1.KeepAliveResponse;
import io.ovsfabric.proto.v1.RegisterRequest;
import io.ovsfabric.proto.v1.RegisterResponse;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import io.ovsfabric.proto.v1.ListEndpointsRequest;
import io.ovsfabric.proto.v1.ListEndpointsResponse;
import io.ovsfabric.proto.v1.ListNetworksRequest;
import io.ovsfabric.proto.v1.ListNetworksResponse;
import io.ovsfabric.proto.v1.Network;
import io.ovsfabric.proto.v1.ReleaseAddressRequest;
import io.ovsfabric.proto.v1.ReleaseAddressResponse;
import io.ovsfabric.proto.v1.UpdateEndpointRequest;
import io.ovsfabric.proto.v1.UpdateEndpointResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent's one controller client against a scripted gRPC server on loopback: the mapping between its two roles
 * and the v1 RPCs, and its one status table (for both roles; the networks role words its failures for Docker).
 */
class ControllerClientTest {
    private static final Network APPNET = Network.newBuilder().setId("fn1").setName("appnet").setSubnet("10.201.0.0/16")
            .setGateway("10.201.0.1").setTunnelKey(201).putLabels("io.ovsfabric.pool-id", "ofx-abc").build();

    private final List<Object> requests = new ArrayList<>();
    private Status failWith;
    private Server server;
    private ControllerClient client;
    /** The networks role as the Docker plugin uses it (plugin failure kinds). */
    private FabricNetworks fabric;

    private boolean fail(StreamObserver<?> out) {
        if (failWith != null) {
            out.onError(failWith.asRuntimeException());
            return true;
        }
        return false;
    }

    @BeforeEach
    void start() throws IOException {
        FabricServiceGrpc.FabricServiceImplBase fabricService = new FabricServiceGrpc.FabricServiceImplBase() {
            @Override
            public void allocateAddress(AllocateAddressRequest r, StreamObserver<AllocateAddressResponse> out) {
                requests.add(r);
                if (fail(out)) {
                    return;
                }
                out.onNext(AllocateAddressResponse.newBuilder().setEndpoint(Endpoint.newBuilder().setNetworkId("fn1")
                        .setEndpointId(r.getEndpointId()).setHostId(r.getHostId()).setAddress("10.201.0.9"))
                        .setPrefixLength(16).setGateway("10.201.0.1").build());
                out.onCompleted();
            }

            @Override
            public void register(RegisterRequest r, StreamObserver<RegisterResponse> out) {
                requests.add(r);
                out.onError(Status.ALREADY_EXISTS.withDescription("host " + r.getHostId() + " is registered from"
                        + " another underlay address").asRuntimeException());
            }

            @Override
            public void keepAlive(KeepAliveRequest r, StreamObserver<KeepAliveResponse> out) {
                requests.add(r);
                if (!fail(out)) {
                    out.onNext(KeepAliveResponse.getDefaultInstance());
                    out.onCompleted();
                }
            }

            @Override
            public void releaseAddress(ReleaseAddressRequest r, StreamObserver<ReleaseAddressResponse> out) {
                requests.add(r);
                if (!fail(out)) {
                    out.onNext(ReleaseAddressResponse.getDefaultInstance());
                    out.onCompleted();
                }
            }

            @Override
            public void reportEndpoints(io.ovsfabric.proto.v1.ReportEndpointsRequest r,
                    StreamObserver<io.ovsfabric.proto.v1.ReportEndpointsResponse> out) {
                requests.add(r);
                if (!fail(out)) {
                    out.onNext(io.ovsfabric.proto.v1.ReportEndpointsResponse.getDefaultInstance());
                    out.onCompleted();
                }
            }

            @Override
            public void updateEndpoint(UpdateEndpointRequest r, StreamObserver<UpdateEndpointResponse> out) {
                requests.add(r);
                if (!fail(out)) {
                    out.onNext(UpdateEndpointResponse.getDefaultInstance());
                    out.onCompleted();
                }
            }
        };
        AdminServiceGrpc.AdminServiceImplBase adminService = new AdminServiceGrpc.AdminServiceImplBase() {
            @Override
            public void listNetworks(ListNetworksRequest r, StreamObserver<ListNetworksResponse> out) {
                out.onNext(ListNetworksResponse.newBuilder().addNetworks(APPNET).addNetworks(Network.newBuilder()
                        .setId("fn2").setName("nogw").setSubnet("10.202.0.0/24").build())
                        .addNetworks(Network.newBuilder().setId("fn3").setName("high").setSubnet("10.203.0.0/24")
                                .setTunnelKey(0x80000000))
                        .addNetworks(Network.newBuilder().setId("fn4").setName("max").setSubnet("10.204.0.0/24")
                                .setTunnelKey(0xffffffff)).build());
                out.onCompleted();
            }

            @Override
            public void createNetwork(CreateNetworkRequest r, StreamObserver<CreateNetworkResponse> out) {
                requests.add(r);
                if (r.getName().equals("appnet")) {
                    out.onError(Status.ALREADY_EXISTS.withDescription("network appnet exists").asRuntimeException());
                    return;
                }
                out.onNext(CreateNetworkResponse.newBuilder().setNetwork(Network.newBuilder().setId("fn9")
                        .setName(r.getName()).setSubnet(r.getSubnet()).setGateway(r.getGateway()).setTunnelKey(9)
                        .putAllLabels(r.getLabelsMap())).build());
                out.onCompleted();
            }

            @Override
            public void listEndpoints(ListEndpointsRequest r, StreamObserver<ListEndpointsResponse> out) {
                requests.add(r);
                out.onNext(ListEndpointsResponse.newBuilder().addEndpoints(Endpoint.newBuilder().setNetworkId("fn1")
                        .setEndpointId("h1:fn1:aa").setHostId("h1").setAddress("10.201.0.9").setMac("02:42:0a:c9:00:09")
                        .setContainerName("web").addAliases("w")).build());
                out.onCompleted();
            }
        };
        server = NettyServerBuilder.forAddress(new java.net.InetSocketAddress("127.0.0.1", 0),
                InsecureServerCredentials.create()).addService(fabricService).addService(adminService).build().start();
        client = ControllerClient.connect("127.0.0.1:" + server.getPort(), Duration.ofSeconds(5));
        fabric = client.networks();
    }

    @AfterEach
    void stop() throws InterruptedException {
        client.close();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void networksAreMappedWithLabelsAndDefaultGateway() {
        List<OverlayNetwork> networks = fabric.listNetworks();
        assertEquals(new OverlayNetwork("fn1", "appnet", Cidr.parse("10.201.0.0/16"), Ipv4Address.parse("10.201.0.1"), TunnelKey.of(201),
                Map.of("io.ovsfabric.pool-id", "ofx-abc")), networks.get(0));
        assertEquals("ofx-abc", networks.get(0).poolId());
        assertEquals(Ipv4Address.parse("10.202.0.1"), networks.get(1).gateway());
        assertEquals("ofx-fn2", networks.get(1).poolId());
        assertEquals("nogw", fabric.findBySubnet(Cidr.parse("10.202.0.0/24")).orElseThrow().name());
        assertEquals("fn1", fabric.findNetwork("appnet").orElseThrow().id());
    }

    @Test
    void createNetworkSendsTheSpecAndTreatsTheSameDefinitionAsExisting() {
        OverlayNetwork created = fabric.createNetwork(new NetworkSpec("web", Cidr.parse("10.203.0.0/24"),
                Optional.of(Ipv4Address.parse("10.203.0.1")), Map.of("io.ovsfabric.origin-host", "h1")));
        assertEquals("fn9", created.id());
        CreateNetworkRequest sent = (CreateNetworkRequest) requests.get(0);
        assertEquals("10.203.0.1", sent.getGateway());
        assertEquals(Map.of("io.ovsfabric.origin-host", "h1"), sent.getLabelsMap());

        assertEquals("fn1", fabric.createNetwork(new NetworkSpec("appnet", Cidr.parse("10.201.0.0/16"), Optional.empty(),
                Map.of())).id());
        AgentException e = assertThrows(AgentException.class, () -> fabric.createNetwork(new NetworkSpec("appnet",
                Cidr.parse("10.204.0.0/16"), Optional.empty(), Map.of())));
        assertEquals(AgentException.Code.CONFLICT, e.code());
        assertTrue(e.getMessage().contains("network appnet exists"), e.getMessage());
    }

    @Test
    void aReportCarriesEverySourceAndMarksWhatWasNotRead() {
        HostInventory inventory = new HostInventory(42, List.of(
                new HostInventory.HeldAddress(new AllocationHandle(HostId.of("h1"), "fn1", "00aa"), "10.201.0.2", false, "d1"),
                new HostInventory.HeldAddress(new AllocationHandle(HostId.of("h1"), "fn2", "00bb"), "", false, "")),
                Optional.of(List.of(new HostInventory.DockerEndpoint("fn1", "dn1", "d1", "c1", "web", "10.201.0.2"))),
                Optional.empty());
        fabric.reportInventory(HostId.of("h1"), inventory);
        io.ovsfabric.proto.v1.ReportEndpointsRequest sent = (io.ovsfabric.proto.v1.ReportEndpointsRequest) requests.get(0);
        assertEquals("h1", sent.getHostId());
        io.ovsfabric.proto.v1.HostInventory inv = sent.getInventory();
        assertEquals(List.of("fn1 h1:fn1:00aa 10.201.0.2 d1", "fn2 h1:fn2:00bb  "), inv.getPluginList().stream()
                .map(r -> r.getNetworkId() + " " + r.getEndpointId() + " " + r.getAddress() + " " + r.getDockerEndpointId()).toList());
        assertEquals(42, inv.getTopologyRevision());
        assertTrue(inv.getDockerObserved());
        assertEquals("web 10.201.0.2 fn1", inv.getDocker(0).getContainerName() + " " + inv.getDocker(0).getAddress()
                + " " + inv.getDocker(0).getNetworkId());
        assertFalse(inv.getOvsObserved());
        assertEquals(0, inv.getOvsPortsCount());
    }

    @Test
    void addressCallsCarryTheHandle() {
        AllocationHandle handle = new AllocationHandle(HostId.of("h1"), "fn1", "00aa");
        AddressLease lease = fabric.allocateAddress("fn1", handle, Optional.of(Ipv4Address.parse("10.201.0.9")));
        assertEquals(new AddressLease("fn1", handle, Ipv4Address.parse("10.201.0.9"), 16, Ipv4Address.parse("10.201.0.1")), lease);
        AllocateAddressRequest sent = (AllocateAddressRequest) requests.get(0);
        assertEquals("h1:fn1:00aa", sent.getEndpointId());
        assertEquals("h1", sent.getHostId());
        assertEquals("10.201.0.9", sent.getPreferredAddress());

        fabric.releaseAddress("fn1", handle);
        assertEquals(ReleaseAddressRequest.newBuilder().setNetworkId("fn1").setEndpointId("h1:fn1:00aa").build(), requests.get(1));

        fabric.updateEndpoint(new NetworkEndpoint("fn1", "h1:fn1:00aa", HostId.of("h1"), Ipv4Address.parse("10.201.0.9"),
                "02:42:0a:c9:00:09", "cid", "web", List.of("w")));
        Endpoint updated = ((UpdateEndpointRequest) requests.get(2)).getEndpoint();
        assertEquals("02:42:0a:c9:00:09", updated.getMac());
        assertEquals("web", updated.getContainerName());
        assertEquals(List.of("w"), updated.getAliasesList());

        List<NetworkEndpoint> listed = fabric.listEndpoints(Optional.of(HostId.of("h1")));
        assertEquals("h1", ((ListEndpointsRequest) requests.get(3)).getHostId());
        assertEquals("web", listed.get(0).containerName());
        assertEquals(AllocationHandle.parse(listed.get(0).endpointId()).slot(), "aa");
        assertEquals("02:42:0a:c9:00:09", listed.get(0).mac());
    }

    @Test
    void statusCodesBecomeKinds() {
        AllocationHandle handle = new AllocationHandle(HostId.of("h1"), "fn1", "00aa");
        Map<Status, AgentException.Code> cases = Map.of(
                Status.UNAVAILABLE, AgentException.Code.UNAVAILABLE,
                Status.RESOURCE_EXHAUSTED.withDescription("network appnet is full"), AgentException.Code.CONFLICT,
                Status.NOT_FOUND, AgentException.Code.NOT_FOUND,
                Status.INVALID_ARGUMENT, AgentException.Code.INVALID,
                Status.INTERNAL, AgentException.Code.FAILED);
        cases.forEach((status, kind) -> {
            failWith = status;
            AgentException e = assertThrows(AgentException.class, () -> fabric.allocateAddress("fn1", handle, Optional.empty()));
            assertEquals(kind, e.code(), status.toString());
            assertTrue(e.getMessage().contains("allocate an address in network fn1 for h1:fn1:00aa"), e.getMessage());
        });
    }

    @Test
    void anUnreachableControllerIsUnavailable() throws InterruptedException {
        int port = server.getPort();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        ManagedChannel dead = Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create()).build();
        try {
            AgentException e = assertThrows(AgentException.class, () ->
                    new ControllerClient(new ControllerChannel("127.0.0.1:" + port, dead, Duration.ofSeconds(2)))
                            .networks().listNetworks());
            assertEquals(AgentException.Code.UNAVAILABLE, e.code());
            assertTrue(e.getMessage().contains("is the controller running"), e.getMessage());
        } finally {
            dead.shutdownNow();
        }
    }

    @Test
    void tunnelKeysOfTwoToThe31AndMoreStayUnsigned() {
        List<OverlayNetwork> networks = client.networks().listNetworks();
        assertEquals(TunnelKey.of(0x80000000L), networks.get(2).tunnelKey());
        assertEquals(TunnelKey.of(4294967295L), networks.get(3).tunnelKey());
        assertEquals("4294967295", networks.get(3).tunnelKey().toString());
        assertEquals("0xffffffff", networks.get(3).tunnelKey().hex());
    }

    @Test
    void oneStatusTableForBothRoles() {
        AllocationHandle handle = new AllocationHandle(HostId.of("h1"), "fn1", "00aa");
        Map<Status, AgentException.Code> cases = Map.of(
                Status.UNAVAILABLE, AgentException.Code.UNAVAILABLE,
                Status.DEADLINE_EXCEEDED, AgentException.Code.UNAVAILABLE,
                Status.ALREADY_EXISTS, AgentException.Code.CONFLICT,
                Status.RESOURCE_EXHAUSTED, AgentException.Code.CONFLICT,
                Status.NOT_FOUND, AgentException.Code.NOT_FOUND,
                Status.INVALID_ARGUMENT, AgentException.Code.INVALID,
                Status.PERMISSION_DENIED, AgentException.Code.REFUSED,
                Status.INTERNAL, AgentException.Code.FAILED);
        cases.forEach((status, kind) -> {
            failWith = status;
            AgentException e = assertThrows(AgentException.class,
                    () -> client.networks().allocateAddress("fn1", handle, Optional.empty()));
            assertEquals(kind, e.code(), status.toString());
            if (kind != AgentException.Code.NOT_FOUND) {
                // the membership role maps the same codes the same way (NOT_FOUND on a keep-alive: the lease is gone)
                AgentException k = assertThrows(AgentException.class,
                        () -> client.membership().keepAlive(HostId.of("h1")));
                assertEquals(kind, k.code(), "keep-alive " + status);
            }
        });
        failWith = Status.NOT_FOUND;
        assertEquals(AgentException.Code.LEASE_LOST, assertThrows(AgentException.class,
                () -> client.membership().keepAlive(HostId.of("h1"))).code());
        // ALREADY_EXISTS is a CONFLICT for a host registration as for a network (it was REFUSED in one table)
        AgentException taken = assertThrows(AgentException.class, () -> client.membership().register(
                HostId.of("h1"), Ipv4Address.parse("192.0.2.11"), 1500, Map.of()));
        assertEquals(AgentException.Code.CONFLICT, taken.code());
        assertTrue(taken.code().operatorMustAct());
        assertTrue(taken.getMessage().contains("another underlay address"), taken.getMessage());
    }
}
