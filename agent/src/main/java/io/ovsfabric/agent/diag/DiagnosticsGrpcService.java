package io.ovsfabric.agent.diag;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.common.Ipv4Address;
import io.ovsfabric.common.pki.Identity;
import io.ovsfabric.common.pki.PeerIdentityInterceptor;
import io.ovsfabric.proto.v1.AgentDiagnosticsGrpc;
import io.ovsfabric.proto.v1.ContainerAddress;
import io.ovsfabric.proto.v1.LookupContainerRequest;
import io.ovsfabric.proto.v1.LookupContainerResponse;
import io.ovsfabric.proto.v1.TraceRequest;
import io.ovsfabric.proto.v1.TraceResponse;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AgentDiagnostics over gRPC: maps the proto messages to {@link HostTraceService} and {@link ContainerDirectory} and
 * their failures to statuses. With TLS ({@code adminOnly}) only an admin identity may call (PERMISSION_DENIED
 * otherwise, logged with the caller); with --insecure anyone may, like the rest of a test fabric.
 */
public final class DiagnosticsGrpcService extends AgentDiagnosticsGrpc.AgentDiagnosticsImplBase {
    private static final Logger log = LoggerFactory.getLogger(DiagnosticsGrpcService.class);

    private final HostTraceService traces;
    private final Optional<ContainerDirectory> containers;
    private final boolean adminOnly;
    private final String host;

    public DiagnosticsGrpcService(String host, HostTraceService traces, Optional<ContainerDirectory> containers,
            boolean adminOnly) {
        this.host = host;
        this.traces = traces;
        this.containers = containers;
        this.adminOnly = adminOnly;
    }

    @Override
    public void trace(TraceRequest request, StreamObserver<TraceResponse> response) {
        answer("Trace", response, () -> {
            TracePacket packet = new TracePacket(Ipv4Address.parse(request.getSrcIp()),
                    Ipv4Address.parse(request.getDstIp()), TracePacket.Protocol.parse(request.getProtocol()),
                    request.getDstPort(), request.getFromTunnel()
                            ? Optional.of(new TracePacket.TunnelIngress(request.getTunnelId(),
                                    Ipv4Address.parse(request.getTunnelSrc())))
                            : Optional.empty());
            HostTrace trace = traces.trace(packet);
            log.info("trace on host {} for {}: {} {} -> {} ended {}", host, callerDescription(),
                    packet.protocol().label(), packet.source(), packet.destination(), trace.verdict().kind());
            return DiagnosticsMapping.toProto(trace);
        });
    }

    @Override
    public void lookupContainer(LookupContainerRequest request, StreamObserver<LookupContainerResponse> response) {
        answer("LookupContainer", response, () -> {
            if (request.getName().isBlank()) {
                throw new AgentException(AgentException.Code.INVALID, "a container name or id is required");
            }
            ContainerDirectory directory = containers.orElseThrow(() -> new AgentException(AgentException.Code.REFUSED,
                    "host " + host + " runs its agent without Docker (--no-docker): it knows no container names"));
            ContainerDirectory.Container c = directory.lookup(request.getName()).orElseThrow(() -> new AgentException(
                    AgentException.Code.NOT_FOUND, "host " + host + " has no container '" + request.getName() + "'"));
            LookupContainerResponse.Builder b = LookupContainerResponse.newBuilder().setContainerId(c.id())
                    .setContainerName(c.name());
            c.addresses().forEach((network, address) -> b.addAddresses(ContainerAddress.newBuilder()
                    .setDockerNetwork(network).setAddress(address)));
            return b.build();
        });
    }

    private <T> void answer(String call, StreamObserver<T> response, Supplier<T> body) {
        Status refused = authorize(call);
        if (refused != null) {
            response.onError(refused.asRuntimeException());
            return;
        }
        try {
            response.onNext(body.get());
            response.onCompleted();
        } catch (AgentException e) {
            if (e.code() == AgentException.Code.UNAVAILABLE || e.code() == AgentException.Code.FAILED) {
                log.warn("{} on host {} for {} failed: {}", call, host, callerDescription(), e.getMessage());
            }
            response.onError(statusOf(e.code()).withDescription(e.getMessage()).asRuntimeException());
        } catch (IllegalArgumentException e) {   // InvalidInputException too: a malformed address
            response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        }
    }

    /** Null when the caller may call; else the status to answer with (and the refusal is logged). */
    private Status authorize(String call) {
        if (!adminOnly) {
            return null;
        }
        Optional<Identity> caller = PeerIdentityInterceptor.find();
        if (caller.isPresent() && caller.get() instanceof Identity.Admin) {
            return null;
        }
        String who = callerDescription();
        log.warn("refused {} on host {} for {}: it needs an admin identity", call, host, who);
        return Status.PERMISSION_DENIED.withDescription(call + " on host " + host + " refused for " + who
                + ": agent diagnostics need an admin identity (ovsfabricctl pki issue-admin)");
    }

    private static String callerDescription() {
        return PeerIdentityInterceptor.find().map(Identity::uri).orElse("an anonymous caller") + " at "
                + PeerIdentityInterceptor.remoteAddress();
    }

    private static Status statusOf(AgentException.Code code) {
        return switch (code) {
            case INVALID -> Status.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.NOT_FOUND;
            case CONFLICT -> Status.FAILED_PRECONDITION;
            case REFUSED -> Status.FAILED_PRECONDITION;
            case UNAVAILABLE -> Status.UNAVAILABLE;
            default -> Status.INTERNAL;
        };
    }
}
