package io.ovsfabric.agent.diag;

import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.common.pki.PeerIdentityInterceptor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The agent's diagnostics endpoint ({@code --diag-listen}): {@link DiagnosticsGrpcService} on its own small gRPC
 * server. With TLS it presents the host's certificate, requires a fabric client certificate
 * ({@link PeerIdentityInterceptor}) and the service answers admins only.
 */
public final class DiagnosticsServer implements AutoCloseable {
    private final Server server;

    private DiagnosticsServer(Server server) {
        this.server = server;
    }

    /**
     * @param tls with TLS credentials: true (identities are read and enforced); false for --insecure
     * @throws AgentException INVALID when the address cannot be bound (it says which)
     */
    public static DiagnosticsServer start(InetSocketAddress listen, ServerCredentials credentials, boolean tls,
            DiagnosticsGrpcService service) {
        NettyServerBuilder builder = NettyServerBuilder.forAddress(listen, credentials).addService(service);
        if (tls) {
            builder.intercept(new PeerIdentityInterceptor());
        }
        Server server = builder.build();
        try {
            server.start();
        } catch (IOException e) {
            String why = rootMessage(e);
            if (why.contains("Cannot assign requested address")) {
                // the address is not on this host (yet): it may come (the underlay address moving to br-phy)
                throw new AgentException(AgentException.Code.UNAVAILABLE, "cannot serve diagnostics on "
                        + listen.getHostString() + ":" + listen.getPort() + ": no interface of this host holds "
                        + listen.getHostString() + " now", e);
            }
            throw new AgentException(AgentException.Code.INVALID, "cannot serve diagnostics on " + listen.getHostString()
                    + ":" + listen.getPort() + " (" + why + "): pick another --diag-listen, or '--diag-listen off'", e);
        }
        return new DiagnosticsServer(server);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage()) + (t == e ? "" : " (" + e.getMessage() + ")");
    }

    /** The bound address (the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.getListenSockets().get(0);
    }

    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
    }
}
