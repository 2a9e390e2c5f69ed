package io.ovsfabric.agent.rpc;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.model.FabricHost;
import io.ovsfabric.agent.model.FabricSettings;
import io.ovsfabric.agent.model.TopologyUpdate;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import io.ovsfabric.proto.v1.GetFabricRequest;
import io.ovsfabric.proto.v1.KeepAliveRequest;
import io.ovsfabric.proto.v1.ListHostsRequest;
import io.ovsfabric.proto.v1.RegisterRequest;
import io.ovsfabric.proto.v1.RegisterResponse;
import io.ovsfabric.proto.v1.TopologyEvent;
import io.ovsfabric.proto.v1.WatchTopologyRequest;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** {@link FabricClient} on the controller channel: unary calls with its deadline, the topology as a stream. */
final class GrpcFabricClient implements FabricClient {
    private final ControllerChannel controller;

    GrpcFabricClient(ControllerChannel controller) {
        this.controller = controller;
    }

    @Override
    public Registration register(HostId host, Ipv4Address underlayIp, int underlayMtu, Map<String, String> capabilities,
            Optional<Cidr> heldSubnet) {
        RegisterResponse r = controller.fabric("register host " + host, stub -> stub.register(RegisterRequest.newBuilder()
                .setHostId(host.value()).setUnderlayIp(underlayIp.toString()).setUnderlayMtu(Math.max(underlayMtu, 0))
                .putAllCapabilities(capabilities).setHeldSubnet(heldSubnet.map(Cidr::toString).orElse("")).build()));
        return new Registration(ProtoMapping.self(r), ProtoMapping.fabric(r.getConfig()),
                Duration.ofSeconds(r.getLeaseTtlSeconds()));
    }

    @Override
    public void keepAlive(HostId host) {
        String what = "refresh the lease of host " + host;
        try {
            controller.fabric(what, stub -> stub.keepAlive(KeepAliveRequest.newBuilder().setHostId(host.value()).build()));
        } catch (AgentException e) {
            if (e.getCause() instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.NOT_FOUND) {
                throw controller.translate(what + " (the lease is gone)", s, AgentException.Code.LEASE_LOST);
            }
            throw e;
        }
    }

    @Override
    public AutoCloseable watch(HostId host, long resumeRevision, Consumer<TopologyUpdate> onUpdate,
            Consumer<Throwable> onEnd) {
        Context.CancellableContext context = Context.current().withCancellation();
        WatchTopologyRequest request = WatchTopologyRequest.newBuilder().setHostId(host.value())
                .setResumeRevision(resumeRevision).build();
        // waitForReady: a stream opened while no controller answers waits for one (the control loop's calls keep the
        // channel reconnecting) instead of failing at once and backing off
        context.run(() -> FabricServiceGrpc.newStub(controller.channel()).withWaitForReady()
                .watchTopology(request, new StreamObserver<>() {
            @Override
            public void onNext(TopologyEvent event) {
                ProtoMapping.update(event).ifPresent(onUpdate);
            }

            @Override
            public void onError(Throwable t) {
                onEnd.accept(t instanceof StatusRuntimeException s ? controller.translate("follow the topology", s) : t);
            }

            @Override
            public void onCompleted() {
                onEnd.accept(new AgentException(AgentException.Code.UNAVAILABLE,
                        "controller " + controller.address() + " ended the topology stream", null));
            }
        }));
        return () -> context.cancel(null);
    }

    @Override
    public FabricSettings fabric() {
        return ProtoMapping.fabric(controller.admin("read the fabric plan",
                stub -> stub.getFabric(GetFabricRequest.getDefaultInstance())).getConfig());
    }

    @Override
    public FabricHost host(HostId host) {
        return controller.admin("list hosts", stub -> stub.listHosts(ListHostsRequest.getDefaultInstance()))
                .getHostsList().stream().filter(h -> h.getHostId().equals(host.value())).findFirst()
                .map(ProtoMapping::host)
                .orElseThrow(() -> new AgentException(AgentException.Code.NOT_FOUND, "host " + host
                        + " has no subnet at controller " + controller.address() + ": start its agent, or reserve one"
                        + " with 'ovsfabricctl hosts reserve " + host + " --underlay-ip IP'", null));
    }
}
