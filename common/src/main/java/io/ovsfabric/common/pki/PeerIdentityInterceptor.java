package io.ovsfabric.common.pki;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the caller's {@link Identity}, read from the TLS session's verified peer certificate, into the gRPC
 * {@link Context} of every call ({@link #current()} in a service method). A call without TLS, without a client
 * certificate or whose certificate names no fabric identity is closed as UNAUTHENTICATED and logged with the
 * caller's address. Authorization (which identity may call what) is the services' business, on top of this.
 */
public final class PeerIdentityInterceptor implements ServerInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(PeerIdentityInterceptor.class);
    private static final Context.Key<Identity> IDENTITY = Context.key("ovsfabric-peer-identity");

    /** The identity of the caller of the current call; only inside a call that went through this interceptor. */
    public static Identity current() {
        Identity identity = IDENTITY.get();
        if (identity == null) {
            throw new IllegalStateException("no peer identity: the service is not behind PeerIdentityInterceptor");
        }
        return identity;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        Identity identity;
        try {
            identity = identityOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        } catch (PkiException e) {
            LOG.warn("refused {} from {}: {}", call.getMethodDescriptor().getFullMethodName(),
                    call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), e.getMessage());
            call.close(Status.UNAUTHENTICATED.withDescription(e.getMessage()), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        return Contexts.interceptCall(Context.current().withValue(IDENTITY, identity), call, headers, next);
    }

    private static Identity identityOf(SSLSession session) {
        if (session == null) {
            throw new PkiException("not a TLS connection: fabric calls need mutual TLS with a fabric certificate");
        }
        try {
            return Identity.fromPeerChain(session.getPeerCertificates());
        } catch (SSLPeerUnverifiedException e) {
            throw new PkiException("the caller presented no verified client certificate", e);
        }
    }
}
